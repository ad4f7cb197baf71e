-- Statements of influx/writer.py, by name (db.sql("writer.NAME")).

-- name: repoint_duplicates
UPDATE videos SET duplicate_of = ? WHERE duplicate_of = ?;

-- name: faces_of_row
SELECT n_faces FROM videos WHERE row_index = ?;

-- name: decoded
-- a decoded video's status and facts (writer.DECODE_FACTS, in that order)
SELECT status, duration_s, fps, width, height, frames_sampled, n_faces, process_s FROM videos WHERE row_index = ?;
