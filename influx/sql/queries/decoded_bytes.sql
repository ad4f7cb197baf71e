-- Content already decoded: SHA-256 -> the lowest row holding its faces.
SELECT sha256, min(row_index) FROM videos
WHERE status IN ('ok', 'no_faces') AND sha256 IS NOT NULL GROUP BY sha256;
