-- The near-duplicates marked in videos.copy_of are those influx finds from the frame hashes
-- (model/02_copies.sql): a copy invented by hand drops a score, one removed counts it twice.
-- Each row says on which side it is missing.
-- fix: `influx ingest` of the sheet marks the near-duplicates again
WITH stored AS (SELECT row_index, copy_of, copy_distance FROM videos WHERE copy_of IS NOT NULL),
derived AS {derivation.copies}
(SELECT 'only in the file' AS side, * FROM (FROM stored EXCEPT ALL FROM derived))
UNION ALL
(SELECT 'only as derived', * FROM (FROM derived EXCEPT ALL FROM stored))
ORDER BY 2, 1;
