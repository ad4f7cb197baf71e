-- The user's corrections: stored, listed, applied in order, undone (kept in undone_corrections).
-- Each statement follows its `-- name:` line; run one with influx.store.sql("corrections.<name>").

-- name: keep_undone
INSERT INTO undone_corrections
SELECT correction_id, kind, influencer_id, target_id, row_index, created_at, current_timestamp, ?
FROM corrections WHERE list_contains(?, correction_id);

-- name: listing
-- undone_by: the command that took it back (undo, unmerge; ingest when the sheet no longer has a move's video)
-- (times to the second: the microseconds made every row of the table two lines longer at 80 columns)
SELECT correction_id, kind, influencer_id, target_id, row_index, date_trunc('second', created_at) AS created_at,
       NULL::TIMESTAMP AS undone_at, NULL::VARCHAR AS undone_by
FROM corrections
UNION ALL
SELECT correction_id, kind, influencer_id, target_id, row_index, date_trunc('second', created_at),
       date_trunc('second', undone_at), undone_by
FROM undone_corrections
ORDER BY undone_at NULLS FIRST, correction_id;

-- name: undone
SELECT undone_at, undone_by FROM undone_corrections WHERE correction_id = ? ORDER BY undone_at DESC LIMIT 1;

-- name: person_name
SELECT name FROM person_ids WHERE influencer_id = ?;

-- name: moves_on_rows
-- The moves made on the rows in the list ?, whose videos the sheet no longer has (ingest).
SELECT correction_id FROM corrections WHERE kind = 'move' AND list_contains(?, row_index);

-- name: delete_corrections
DELETE FROM corrections WHERE correction_id IN ?;

-- name: delete_correction
DELETE FROM corrections WHERE correction_id = ?;

-- name: merges_of
SELECT correction_id, influencer_id FROM corrections WHERE kind = 'merge' AND ? IN (influencer_id, target_id);

-- name: correction
SELECT kind, influencer_id, target_id, row_index FROM corrections WHERE correction_id = ?;

-- name: add_correction
INSERT INTO corrections (kind, influencer_id, target_id, row_index) VALUES (?, ?, ?, ?) RETURNING correction_id;

-- name: in_order
-- The user's corrections in the order they were made.
SELECT kind, influencer_id, target_id, row_index FROM corrections ORDER BY correction_id;
