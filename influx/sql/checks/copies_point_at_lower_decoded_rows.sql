-- A near-duplicate is a decoded video (ok) that points at a lower decoded row (ok), never at itself.
-- fix: `influx ingest` of the sheet stores the videos again
SELECT c.row_index, c.copy_of FROM videos c LEFT JOIN videos s ON s.row_index = c.copy_of
WHERE c.copy_of IS NOT NULL
  AND (c.status <> 'ok' OR s.row_index IS NULL OR s.status <> 'ok' OR s.row_index >= c.row_index);
