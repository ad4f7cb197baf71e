-- The database file itself: its schema's definitions and checkpoints.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("database.<name>").

-- name: checkpoint
CHECKPOINT;

-- name: triggers
SELECT DISTINCT trigger_name FROM duckdb_triggers() WHERE database_name = current_database() ORDER BY 1;

-- name: definitions
SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
UNION ALL
SELECT 'sequence ' || sequence_name,
       format('{} {} {} {}', increment_by, min_value, max_value, cycle)  -- start_value: where it is now
FROM duckdb_sequences() WHERE database_name = current_database() AND schema_name = 'main';
