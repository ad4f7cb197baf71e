-- CSV rows and their videos: inserting and updating rows, statuses, what is left to do, duplicates.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("videos.<name>").

-- name: forget_copies_of_rows
UPDATE videos SET copy_of = NULL, copy_distance = NULL WHERE copy_of IN ?;

-- name: restart_duplicates_of_rows
UPDATE videos SET status = 'pending', duplicate_of = NULL WHERE duplicate_of IN ?;

-- name: delete_rows
DELETE FROM videos WHERE row_index IN ?;

-- name: rows_gone
-- The rows at or past $rows, the length of the sheet being ingested (ingest --forget-missing-rows).
SELECT row_index FROM videos WHERE row_index >= $rows ORDER BY row_index;

-- name: rows_past
-- Rows with a video at or past $rows, the length of the sheet being ingested: how many, the first
-- and the last (a row without a URL never has faces nor a score).
SELECT count(*), min(row_index), max(row_index) FROM videos WHERE row_index >= $rows AND video_url IS NOT NULL;

-- name: count_faces
SELECT count(*) FROM faces;

-- name: count_statuses
SELECT status, count(*) FROM videos GROUP BY status;

-- name: count_failures
SELECT error_kind, count(*) FROM videos WHERE status = 'failed' GROUP BY 1;

-- name: repoint_duplicates
UPDATE videos SET duplicate_of = ? WHERE duplicate_of = ?;

-- name: faces_of_row
SELECT n_faces FROM videos WHERE row_index = ?;

-- name: decoded
-- A decoded video's status and its facts: the columns a row holding the video has and a duplicate
-- of it does not (the writer reads them by name, and clears them in a duplicate).
SELECT status, duration_s, fps, width, height, frames_sampled, n_faces, process_s FROM videos WHERE row_index = ?;

-- name: forget_videos
-- What is stored for the decoded videos of the rows in the list ?: faces, frame hashes, people.
-- One statement per table, each run with the same parameter (store.forget_videos).
DELETE FROM faces WHERE row_index IN ?;
DELETE FROM frame_hashes WHERE row_index IN ?;
DELETE FROM video_people WHERE row_index IN ?;

-- name: move_video
-- A decoded video's faces and frame hashes re-pointed from row $source to row $to (before it is
-- clustered). One statement per table, each run with the same parameters (store.move_video).
UPDATE faces SET row_index = $to WHERE row_index = $source;
UPDATE frame_hashes SET row_index = $to WHERE row_index = $source;

-- name: changed_rows
-- Rows of the CSV (table `incoming`) whose URL is not the one stored: another video at that position.
SELECT v.row_index FROM videos v JOIN incoming i USING (row_index)
WHERE v.video_url IS DISTINCT FROM i.video_url
ORDER BY v.row_index;

-- name: decoded_bytes
-- Content already decoded: SHA-256 -> the lowest row holding its faces.
SELECT sha256, min(row_index) FROM videos
WHERE status IN ('ok', 'no_faces') AND sha256 IS NOT NULL GROUP BY sha256;

-- name: insert_rows
-- Rows of the CSV not yet stored: pending, or failed at once when the row itself is unusable.
INSERT INTO videos BY NAME
SELECT i.row_index, i.video_url, i.performance, i.extra::JSON AS extra, i.input_error,
       CASE WHEN i.video_url IS NULL THEN 'failed' ELSE 'pending' END AS status,
       CASE WHEN i.video_url IS NULL THEN 'input' END AS error_kind,
       CASE WHEN i.video_url IS NULL THEN i.input_error END AS error,
       current_timestamp AS ingested_at
FROM incoming i
WHERE i.row_index NOT IN (SELECT row_index FROM videos)
ORDER BY i.row_index;

-- name: todo
-- The rows an ingest fetches and processes: pending ones (and failed ones with --retry-failed).
SELECT row_index, video_url FROM videos
WHERE (status = 'pending' OR (status = 'failed' AND $retry_failed)) AND video_url IS NOT NULL
ORDER BY row_index;

-- name: undecodable_bytes
-- Content that failed to decode: SHA-256 -> the error, so identical bytes are not tried again.
SELECT sha256, any_value(error) FROM videos
WHERE status = 'failed' AND error_kind = 'decode' AND sha256 IS NOT NULL GROUP BY sha256;

-- name: update_rows
-- The score and other columns of rows already stored with the same URL, written only where they changed.
UPDATE videos SET performance = i.performance, extra = i.extra::JSON, input_error = i.input_error
FROM incoming i
WHERE videos.row_index = i.row_index AND videos.video_url IS NOT DISTINCT FROM i.video_url
  AND (videos.performance IS DISTINCT FROM i.performance OR videos.extra::VARCHAR IS DISTINCT FROM i.extra
       OR videos.input_error IS DISTINCT FROM i.input_error);
