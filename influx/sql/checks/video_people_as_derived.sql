-- video_people holds what influx derives from the face labels and the corrections
-- (model/03_video_people.sql): a file edited by hand could leave a video without its influencer or
-- credit it to another person. Each row says on which side it is missing.
-- fix: `influx cluster` rebuilds the people
WITH stored AS (SELECT row_index, influencer_id, n_faces, presence, share, is_dominant, best_score FROM video_people),
derived AS {derivation.video_people}
(SELECT 'only in the file' AS side, * FROM (FROM stored EXCEPT ALL FROM derived))
UNION ALL
(SELECT 'only as derived', * FROM (FROM derived EXCEPT ALL FROM stored))
ORDER BY 2, 3, 1;
