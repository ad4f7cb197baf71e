"""Open an influx DuckDB file: apply numbered migrations, (re)create the public views."""

from __future__ import annotations

import re
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb


class DatabaseInUse(Exception):
    """Another process holds the database file open for writing."""


def sql_dir() -> Path:
    """The `sql/` folder: inside the installed wheel, or at the top of a source checkout."""
    packaged = resources.files("influx") / "sql"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "sql"


def read_sql(name: str) -> str:
    """The text of `sql/<name>`."""
    return (sql_dir() / name).read_text()


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


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Re-create the macros and every view in `sql/views/` (one view per file, in file-name order)."""
    con.execute(read_sql("macros.sql"))
    for _, path in _numbered(sql_dir() / "views"):
        con.execute(path.read_text())


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) an influx database, migrated and with fresh views."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise DatabaseInUse(f"{path} is in use by another process (close it and try again): {e}") from None
        raise
    if not read_only:
        migrate(con)
        create_views(con)
        from .stats import refresh_quantiles

        refresh_quantiles(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """BEGIN ... COMMIT, rolled back on any exception."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def setting(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """A value from the `settings` table (options of the last run that stored them), or None."""
    got = con.execute("SELECT value FROM settings WHERE name = ?", [name]).fetchone()
    return got[0] if got else None


def store_settings(con: duckdb.DuckDBPyConnection, **values) -> None:
    for name, value in values.items():
        con.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", [name, str(value)])
