"""Face vectors read from DuckDB into NumPy."""

from __future__ import annotations

import duckdb
import numpy as np

from influx.store.schema import BadDatabase


def fetch_vectors(con: duckdb.DuckDBPyConnection, query: str, column: str = "embedding") -> tuple[dict, np.ndarray]:
    """The rows of `query` (which must ORDER BY a unique key): its other columns as numpy arrays,
    and `column` (one list of floats a row, all of one length) as a float32 matrix. Read flat with
    `unnest`: a numpy object per vector cost a million faces ~1 GB more, and a copy to stack them.
    Vectors with a NULL or non-finite value, or of different lengths, are refused (BadDatabase):
    influx never stores them, and one would silently move every distance it takes part in."""
    inner = query.strip().rstrip(";")
    cols = con.execute(f"SELECT * EXCLUDE ({column}), {column}[1] AS _first FROM ({inner})").fetchnumpy()
    flat = con.execute(f"SELECT unnest({column}) AS v FROM ({inner})").fetchnumpy()["v"]
    first = np.ma.filled(np.ma.asarray(cols.pop("_first"), dtype=np.float32), np.nan)
    n = len(first)
    dim = len(flat) // n if n else 0
    if np.ma.is_masked(flat) or dim * n != len(flat):
        raise BadDatabase(f"faces.{column} holds NULL values or vectors of different lengths (not written by influx)")
    vectors = np.asarray(flat, dtype=np.float32).reshape(n, dim)
    if not np.isfinite(vectors).all():
        raise BadDatabase(f"faces.{column} holds values that are not finite numbers (not written by influx)")
    if n and not np.array_equal(vectors[:, 0], first):  # both reads keep the query's order, else a row moved
        raise ValueError(f"the rows of the {column} query came back in two orders: its ORDER BY is not total")
    return cols, vectors
