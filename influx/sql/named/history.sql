-- Statements of influx/people.py that keep corrections taken back (db.sql("history.NAME")).

-- name: keep_undone
INSERT INTO undone_corrections
SELECT correction_id, kind, influencer_id, target_id, row_index, created_at, current_timestamp, ?
FROM corrections WHERE list_contains(?, correction_id);

-- name: listing
SELECT correction_id, kind, influencer_id, target_id, row_index, created_at, NULL::TIMESTAMP AS undone_at
FROM corrections
UNION ALL
SELECT correction_id, kind, influencer_id, target_id, row_index, created_at, undone_at FROM undone_corrections
ORDER BY undone_at NULLS FIRST, correction_id;

-- name: undone
SELECT undone_at, undone_by FROM undone_corrections WHERE correction_id = ? ORDER BY undone_at DESC LIMIT 1;

-- name: person_name
SELECT name FROM person_ids WHERE influencer_id = ?;
