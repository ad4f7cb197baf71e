-- Every failure's error kind is a word of influx's vocabulary (the view vocabulary: influx/vocabulary.py).
-- fix: `influx ingest --retry-failed` of the sheet tries the row again
SELECT v.row_index, v.error_kind FROM videos v
WHERE v.error_kind IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM vocabulary w
                  WHERE w.column_name = 'videos.error_kind' AND regexp_full_match(v.error_kind, w.pattern))
ORDER BY v.row_index;
