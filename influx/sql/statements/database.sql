-- The database file itself: its schema's definitions and checkpoints.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("database.<name>").

-- name: checkpoint
CHECKPOINT;

-- name: foreign_objects
-- What a file may define though influx never does: a trigger runs the file's SQL when influx
-- writes; an index's expression does too, and a unique index makes INSERT OR IGNORE drop rows; a
-- type named as one influx casts to (JSON) replaces it.
SELECT DISTINCT 'triggers' AS kind, trigger_name AS name FROM duckdb_triggers() WHERE database_name = current_database()
UNION ALL
SELECT DISTINCT 'indexes', index_name FROM duckdb_indexes() WHERE database_name = current_database()
UNION ALL
SELECT DISTINCT 'types', type_name FROM duckdb_types() WHERE database_name = current_database() AND NOT internal
ORDER BY 1, 2;

-- name: sequences_behind
-- A sequence whose next value is an id it already gave (the file's ids were written by hand):
-- the next correction would get a lower id than one stored, and corrections replay in id order.
WITH next AS (
    SELECT sequence_name, coalesce(last_value + increment_by, start_value) AS next_value
    FROM duckdb_sequences() WHERE database_name = current_database() AND schema_name = 'main'
),
used AS (
    SELECT 'face_id_seq' AS sequence_name, max(face_id) AS highest FROM faces
    UNION ALL
    SELECT 'correction_id_seq', max(correction_id)
    FROM (SELECT correction_id FROM corrections UNION ALL SELECT correction_id FROM undone_corrections)
)
SELECT sequence_name, next_value, highest FROM next JOIN used USING (sequence_name)
WHERE highest >= next_value ORDER BY 1;

-- name: definitions
SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
UNION ALL
SELECT 'sequence ' || sequence_name,
       format('{} {} {} {}', increment_by, min_value, max_value, cycle)  -- start_value: where it is now
FROM duckdb_sequences() WHERE database_name = current_database() AND schema_name = 'main';
