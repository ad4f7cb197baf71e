-- derived table: influencers (rebuilt with video_people)
-- One row per person. The representative face maximises face_quality (macros.sql: large, frontal
-- and sharp), preferring faces from videos the person dominates; ties go to the
-- lowest face_id. n_videos is influencer_stats.n_videos: decoded videos whose influencer this person
-- is, less duplicates and near-duplicates of their own videos (one count of videos everywhere).
DELETE FROM influencers;
INSERT INTO influencers (influencer_id, name, n_videos, n_appearances, n_faces, face_id, first_row_index, not_influencer)
WITH dominated AS (
    SELECT influencer_id, count(*) AS n_videos
    FROM credited
    WHERE influencer_id IS NOT NULL AND status = 'ok' AND NOT is_copy
    GROUP BY influencer_id
),
seen AS (
    SELECT influencer_id, count(*) AS n_appearances, min(row_index) AS first_row_index
    FROM video_people GROUP BY influencer_id
),
best AS (
    SELECT f.influencer_id,
           arg_max(f.face_id, ((coalesce(vp.is_dominant, false))::INTEGER * 10
               + face_quality(f.face_size, f.frontality, f.sharpness),
               -f.face_id)) AS face_id,  -- ties: the lowest face_id
           count(*) AS n_faces
    FROM faces f
    LEFT JOIN video_people vp ON vp.row_index = f.row_index AND vp.influencer_id = f.influencer_id
    WHERE f.influencer_id IS NOT NULL
    GROUP BY f.influencer_id
)
SELECT b.influencer_id, p.name, coalesce(d.n_videos, 0), s.n_appearances, b.n_faces, b.face_id, s.first_row_index,
       b.influencer_id IN (SELECT influencer_id FROM corrections WHERE kind = 'not_influencer')
FROM best b JOIN seen s USING (influencer_id) LEFT JOIN dominated d USING (influencer_id)
LEFT JOIN person_ids p USING (influencer_id);
