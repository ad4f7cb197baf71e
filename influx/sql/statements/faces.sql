-- Faces and frame hashes: storing them, and reading them for clustering and the reports.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("faces.<name>").

-- name: cluster_faces
-- The faces `influx cluster` groups: those of decoded videos, by video and frame.
SELECT f.face_id, f.row_index, f.frame_index, f.face_size, coalesce(f.detector_score, 1) AS detector_score, f.embedding
FROM faces f JOIN videos v USING (row_index)
WHERE v.status = 'ok'
ORDER BY f.row_index, f.frame_index, f.face_id;

-- name: face_models
-- The face models behind the stored faces: encoder, vector length, faces (one row: one encoder).
SELECT coalesce(encoder, 'unknown') AS encoder, len(embedding) AS dim, count(*) AS faces
FROM faces GROUP BY ALL ORDER BY faces DESC, encoder, dim;

-- name: insert_faces
-- Store one video's faces from the registered data frame `new_faces` (the encoder's vectors as given).
INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left, face_size,
                   detector_score, sharpness, frontality, embedding, crop, detector, encoder)
SELECT row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left, face_size,
       detector_score, sharpness, frontality, embedding::FLOAT[], crop, detector, encoder
FROM new_faces;

-- name: insert_frame_hashes
-- Store one video's frame hashes in one statement: $1 the row, $2 the times, $3 the hashes (lists).
INSERT INTO frame_hashes (row_index, timestamp_s, dhash)
SELECT $1, unnest($2::DOUBLE[]), unnest($3::UBIGINT[]);

-- name: representative_faces
-- Each person's representative face (influencers.face_id) as JPEG bytes; NULL when the crop is over
-- $max_bytes (measured in SQL, so that a huge blob in a file from someone else is never read).
SELECT i.influencer_id, CASE WHEN octet_length(f.crop) <= $max_bytes THEN f.crop END
FROM influencers i JOIN faces f USING (face_id);

-- name: video_person_means
-- The faces of each video's influencer (one row per face, by video): the evidence for `distance`
-- and `margin`, averaged per video in Python.
SELECT vp.row_index, vp.influencer_id, f.embedding
FROM video_people vp
JOIN faces f ON f.row_index = vp.row_index AND f.influencer_id = vp.influencer_id
WHERE vp.is_dominant
ORDER BY vp.row_index, f.face_id;
