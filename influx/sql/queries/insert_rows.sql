-- Rows of the CSV not yet stored: pending, or failed at once when the row itself is unusable.
INSERT INTO videos (row_index, video_url, performance, extra, input_error, status, error_kind, error, ingested_at)
SELECT i.row_index, i.video_url, i.performance, i.extra::JSON, i.input_error,
       CASE WHEN i.video_url IS NULL THEN 'failed' ELSE 'pending' END,
       CASE WHEN i.video_url IS NULL THEN 'input' END,
       CASE WHEN i.video_url IS NULL THEN i.input_error END,
       current_timestamp
FROM incoming i
WHERE i.row_index NOT IN (SELECT row_index FROM videos)
ORDER BY i.row_index;
