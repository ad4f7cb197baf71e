"""Statistics support: the F quantiles the `reliability` view needs (DuckDB has no F quantile).

The statistics themselves live in SQL views (sql/views/); see the README for definitions.
"""

from __future__ import annotations

import duckdb


def refresh_quantiles(con: duckdb.DuckDBPyConnection) -> None:
    """Store the exact 97.5% F quantiles (the ICC's interval) and t quantile (the averages'
    intervals) for the degrees of freedom of the current data."""
    g, n = con.execute("SELECT n_influencers, n_scores FROM reliability").fetchone()
    if not g or g < 2 or n - g < 1:
        return
    pairs = [(g - 1, n - g), (n - g, g - 1)]
    have = con.execute(
        "SELECT count(*) FROM f_quantiles WHERE (df1 = ? AND df2 = ?) OR (df1 = ? AND df2 = ?)",
        [pairs[0][0], pairs[0][1], pairs[1][0], pairs[1][1]],
    ).fetchone()[0]
    have_t = con.execute("SELECT count(*) FROM t_quantiles WHERE df = ?", [n - g]).fetchone()[0]
    if have == len(set(pairs)) and have_t:
        return
    from scipy.stats import f

    for d1, d2 in set(pairs):
        con.execute("INSERT OR REPLACE INTO f_quantiles VALUES (?, ?, ?)", [d1, d2, float(f.ppf(0.975, d1, d2))])
    from scipy.stats import t

    con.execute("INSERT OR REPLACE INTO t_quantiles VALUES (?, ?)", [n - g, float(t.ppf(0.975, n - g))])
