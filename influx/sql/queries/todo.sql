-- The rows an ingest fetches and processes: pending ones (and failed ones with --retry-failed).
SELECT row_index, video_url FROM videos
WHERE (status = 'pending' OR (status = 'failed' AND $retry_failed)) AND video_url IS NOT NULL
ORDER BY row_index;
