"""Numbered migrations, the data model (views and derived tables), and the quantile tables it reads."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import duckdb

from influx.store.sqlfiles import read_sql, sql, sql_dir
from influx.store.words import fill


def _numbered(folder: Path) -> list[tuple[int, Path]]:
    out = []
    for path in sorted(folder.glob("*.sql")):
        m = re.match(r"(\d+)_", path.name)
        if m:
            out.append((int(m.group(1)), path))
    return sorted(out)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply migrations not yet recorded in `schema_migrations`; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, path in _numbered(sql_dir() / "migrations"):
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(path.read_text())
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, path.stem])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(path.stem)
    return applied


@functools.cache
def model() -> tuple[tuple[str, str, str], ...]:
    """The data model, `influx/sql/model/`, in dependency order: (kind, name, SQL) of each file,
    kind "view" (made when the file is opened) or "derived table" (rebuilt by `derive`), as the
    file's first line says; the vocabulary and the constants written in (store.words). Read once
    a process: every open and every rebuild uses it (the review page opens the file per request)."""
    out = []
    for _, path in _numbered(sql_dir() / "model"):
        text = fill(path.read_text())
        kind, name = re.match(r"-- (view|derived table): (\w+)", text).groups()
        out.append((kind, name, text))
    return tuple(out)


def derive(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rebuild the derived table `table` from what it reads (model/NN_table.sql)."""
    con.execute(next(text for kind, name, text in model() if kind == "derived table" and name == table))


def create_views(con: duckdb.DuckDBPyConnection, temporary: bool = False) -> None:
    """Create influx's macros and every view of the model (in file-name order): in the file, or
    as temporary objects (a read-only file), which take precedence over the file's. Made on every
    open, even when the file's views read the same: DuckDB states a stored view from its stored
    plan, and a crafted file can store a plan that differs from what DuckDB states (an ORDER BY's
    direction), so no stored view is ever used."""
    texts = [read_sql("macros.sql")] + [text for kind, _, text in model() if kind == "view"]
    for text in texts:
        if temporary:
            text = re.sub(r"CREATE OR REPLACE (MACRO|VIEW)", r"CREATE OR REPLACE TEMP \1", text)
        con.execute(text)


def refresh_quantiles(con: duckdb.DuckDBPyConnection) -> None:
    """Store the exact 97.5% F quantiles (the ICC's interval) and t quantile (the averages'
    intervals) for the degrees of freedom of the current data. Stored values are computed again
    and compared, never trusted: a file from someone else could hold a wrong quantile that moves
    every interval and rating word (scipy.special, the functions scipy.stats' f and t call)."""
    g, n = con.execute(sql("statistics.quantile_degrees")).fetchone()
    if not g or g < 2 or n - g < 1:
        return
    from scipy.special import fdtri, stdtrit

    want_f = {(d1, d2): float(fdtri(d1, d2, 0.975)) for d1, d2 in ((g - 1, n - g), (n - g, g - 1))}
    want_t = float(stdtrit(n - g, 0.975))
    keys = list(want_f)
    stored = con.execute(sql("statistics.stored_f_quantiles"), [*keys[0], *keys[1]]).fetchall()
    have_f = {(d1, d2): q for d1, d2, q in stored}
    have_t = con.execute(sql("statistics.stored_t_quantile"), [n - g]).fetchall()
    if have_f == want_f and have_t == [(want_t,)]:
        return
    for (d1, d2), q in want_f.items():
        con.execute(sql("statistics.store_f_quantile"), [d1, d2, q])
    con.execute(sql("statistics.store_t_quantile"), [n - g, want_t])
