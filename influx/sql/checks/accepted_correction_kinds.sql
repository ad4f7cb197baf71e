-- Every correction's kind is a word of influx's vocabulary (the view vocabulary: influx/vocabulary.py).
-- fix: `influx undo {0}` removes the correction
SELECT c.correction_id, c.kind FROM corrections c
WHERE NOT EXISTS (SELECT 1 FROM vocabulary w
                  WHERE w.column_name = 'corrections.kind' AND regexp_full_match(c.kind, w.pattern))
ORDER BY c.correction_id;
