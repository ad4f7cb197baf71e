-- The faces of each video's influencer (one row per face, by video): the evidence for `distance`
-- and `margin`, averaged per video in Python.
SELECT vp.row_index, vp.influencer_id, f.embedding
FROM video_people vp
JOIN faces f ON f.row_index = vp.row_index AND f.influencer_id = vp.influencer_id
WHERE vp.is_dominant
ORDER BY vp.row_index, f.face_id;
