-- The faces of each video's influencer, one row per video: the evidence for `distance` and `margin`.
SELECT vp.row_index, vp.influencer_id, list(f.embedding ORDER BY f.face_id) AS embeddings
FROM video_people vp
JOIN faces f ON f.row_index = vp.row_index AND f.influencer_id = vp.influencer_id
WHERE vp.is_dominant
GROUP BY vp.row_index, vp.influencer_id
ORDER BY vp.row_index;
