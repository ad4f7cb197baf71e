-- The t and F quantiles the statistics views read (computed in Python with SciPy, stored in tables).
-- Each statement follows its `-- name:` line; run one with influx.store.sql("statistics.<name>").

-- name: store_t_quantile
INSERT OR REPLACE INTO t_quantiles VALUES (?, ?);

-- name: store_f_quantile
INSERT OR REPLACE INTO f_quantiles VALUES (?, ?, ?);

-- name: quantile_degrees
-- reliability's n_influencers and n_scores (g and N, its CTEs groups and totals) without binding the
-- whole view, which costs ten times more on every open; tests/test_stats.py holds the two equal
SELECT count(*) AS n_influencers, coalesce(sum(n_i), 0) AS n_scores
FROM (SELECT influencer_id, any_value(n_i) AS n_i FROM scores WHERE n_i >= 2 GROUP BY influencer_id);

-- name: stored_f_quantiles
SELECT df1, df2, q975 FROM f_quantiles WHERE (df1 = ? AND df2 = ?) OR (df1 = ? AND df2 = ?);

-- name: stored_t_quantile
SELECT q975 FROM t_quantiles WHERE df = ?;
