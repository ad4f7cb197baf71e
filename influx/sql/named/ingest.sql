-- Statements of influx/ingest.py, by name (db.sql("ingest.NAME")).

-- name: forget_copies_of_rows
UPDATE videos SET copy_of = NULL, copy_distance = NULL WHERE copy_of IN ?;

-- name: restart_duplicates_of_rows
UPDATE videos SET status = 'pending', duplicate_of = NULL WHERE duplicate_of IN ?;

-- name: delete_rows
DELETE FROM videos WHERE row_index IN ?;

-- name: count_faces
SELECT count(*) FROM faces;

-- name: count_statuses
SELECT status, count(*) FROM videos GROUP BY status;

-- name: count_failures
SELECT error_kind, count(*) FROM videos WHERE status = 'failed' GROUP BY 1;
