-- Every setting's name is a word of influx's vocabulary (the view vocabulary: influx/vocabulary.py).
-- fix: `influx sql --write "DELETE FROM settings WHERE name NOT IN (SELECT value FROM vocabulary)"` removes it
SELECT s.name FROM settings s
WHERE NOT EXISTS (SELECT 1 FROM vocabulary w
                  WHERE w.column_name = 'settings.name' AND regexp_full_match(s.name, w.pattern))
ORDER BY s.name;
