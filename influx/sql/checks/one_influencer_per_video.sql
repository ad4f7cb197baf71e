-- A video has at most one influencer.
SELECT row_index, count(*) AS influencers FROM video_people WHERE is_dominant GROUP BY row_index HAVING count(*) > 1;
