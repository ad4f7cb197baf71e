-- A duplicate points at another row that was decoded (ok or no_faces) and has the same bytes (usually a
-- lower row; a higher one when a row's URL was changed to a video an earlier run stored further down).
-- fix: `influx ingest` of the sheet stores the videos again
SELECT d.row_index, d.duplicate_of FROM videos d LEFT JOIN videos s ON s.row_index = d.duplicate_of
WHERE d.status = 'duplicate'
  AND (s.row_index IS NULL OR s.status NOT IN ('ok', 'no_faces') OR s.row_index = d.row_index OR s.sha256 <> d.sha256);
