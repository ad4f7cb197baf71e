-- influencers holds what influx derives from the people, their faces and names
-- (model/15_influencers.sql): a file edited by hand could give a person another's name or face.
-- Each row says on which side it is missing.
-- fix: `influx cluster` rebuilds the people
WITH stored AS (
    SELECT influencer_id, name, n_videos, n_appearances, n_faces, face_id, first_row_index, not_influencer
    FROM influencers
),
derived AS {derivation.influencers}
(SELECT 'only in the file' AS side, * FROM (FROM stored EXCEPT ALL FROM derived))
UNION ALL
(SELECT 'only as derived', * FROM (FROM derived EXCEPT ALL FROM stored))
ORDER BY 2, 1;
