-- The t and F quantiles the statistics views read (computed in Python with SciPy, stored in tables).
-- Each statement follows its `-- name:` line; run one with influx.store.sql("statistics.<name>").

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
