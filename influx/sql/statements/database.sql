-- The database file itself: its schema's definitions and checkpoints.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("database.<name>").

-- name: checkpoint
CHECKPOINT;

-- name: definitions
SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
UNION ALL
SELECT 'sequence ' || sequence_name,
       format('{} {} {} {}', increment_by, min_value, max_value, cycle)  -- start_value: where it is now
FROM duckdb_sequences() WHERE database_name = current_database() AND schema_name = 'main';

-- name: views
-- the views of a database (? = 'temp' for a connection's temporary ones, else the file's), each as DuckDB
-- states it: its CREATE statement and its columns' names and types, in order
SELECT v.view_name, v.sql, list(c.column_name ORDER BY c.column_index), list(c.data_type ORDER BY c.column_index)
FROM duckdb_views() v
JOIN duckdb_columns() c ON c.database_name = v.database_name AND c.schema_name = v.schema_name AND c.table_name = v.view_name
WHERE NOT v.internal AND v.database_name = coalesce(?, current_database()) AND v.schema_name = 'main'
GROUP BY ALL;
