-- Every video's status is a word of influx's vocabulary (the view vocabulary: influx/vocabulary.py).
-- fix: `influx sql --write "UPDATE videos SET status = 'pending' WHERE row_index = {0}"`, then `influx ingest` of the sheet
SELECT v.row_index, v.status FROM videos v
WHERE NOT EXISTS (SELECT 1 FROM vocabulary w
                  WHERE w.column_name = 'videos.status' AND regexp_full_match(v.status, w.pattern))
ORDER BY v.row_index;
