-- Near-duplicate rows for the report: row, URL, influencer, and which row it copies, how closely, and
-- whether its score is counted (only when the two show different influencers).
SELECT c.row_index, c.video_url, c.influencer_id,
       'copy of row ' || c.copy_of || ' (distance ' || round(c.copy_distance, 1) || ')'
           || CASE WHEN c.influencer_id IS DISTINCT FROM s.influencer_id THEN ', another influencer: counted' ELSE '' END
FROM video_influencers c
LEFT JOIN video_influencers s ON s.row_index = c.copy_of
WHERE c.copy_of IS NOT NULL
ORDER BY c.row_index;
