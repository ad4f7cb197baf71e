-- video_people agrees with the face labels: the same people per video, the same face counts.
SELECT coalesce(vp.row_index, f.row_index) AS row_index, coalesce(vp.influencer_id, f.influencer_id) AS influencer_id
FROM video_people vp
FULL JOIN (SELECT row_index, influencer_id, count(*) AS n FROM faces WHERE influencer_id IS NOT NULL GROUP BY ALL) f
    ON f.row_index = vp.row_index AND f.influencer_id = vp.influencer_id
WHERE vp.n_faces IS DISTINCT FROM f.n;
