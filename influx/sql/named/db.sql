-- Statements of influx/db.py, by name (db.sql("db.NAME")).

-- name: store_t_quantile
INSERT OR REPLACE INTO t_quantiles VALUES (?, ?);

-- name: store_f_quantile
INSERT OR REPLACE INTO f_quantiles VALUES (?, ?, ?);

-- name: quantile_degrees
SELECT n_influencers, n_scores FROM reliability;

-- name: stored_f_quantiles
SELECT df1, df2, q975 FROM f_quantiles WHERE (df1 = ? AND df2 = ?) OR (df1 = ? AND df2 = ?);

-- name: stored_t_quantile
SELECT q975 FROM t_quantiles WHERE df = ?;

-- name: definitions
SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
UNION ALL
SELECT 'sequence ' || sequence_name,
       format('{} {} {} {}', increment_by, min_value, max_value, cycle)  -- start_value: where it is now
FROM duckdb_sequences() WHERE database_name = current_database() AND schema_name = 'main';
