-- The faces `influx cluster` groups: those of decoded videos, by video and frame.
SELECT f.face_id, f.row_index, f.frame_index, f.face_size, coalesce(f.detector_score, 1) AS detector_score, f.embedding
FROM faces f JOIN videos v USING (row_index)
WHERE v.status = 'ok'
ORDER BY f.row_index, f.frame_index, f.face_id;
