"""Open an influx DuckDB file (migrated, checked, views made) and keep writes safe."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import duckdb

from influx.store.checks import verify_data
from influx.store.migrations import create_views, migrate, refresh_quantiles
from influx.store.schema import BadDatabase, check, check_tables


class DatabaseInUse(Exception):
    """Another process holds the database file open for writing."""


class DiskFull(OSError):
    """The disk of the database file is full: the file is fine, influx could not write to it."""

    def __init__(self, path: Path | str):
        super().__init__(28, "the disk is full (no space left to write; what is stored is kept): free some"
                         " space and run the command again", str(path))  # fmt: skip


def disk_full(e: BaseException) -> bool:
    """Whether a DuckDB or OS error says the disk is full."""
    return getattr(e, "errno", None) == 28 or any(s in str(e).lower() for s in ("no space left", "disk is full"))


def limit_memory(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]?i?B", limit):
        raise ValueError(f"not a memory size: {limit!r}")
    con.execute(f"SET memory_limit = '{limit}'")


def connect(
    path: str | Path, read_only: bool = False, external_access: bool = False, verify: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed, unless read-only) an influx database: checked, migrated, with
    influx's own views and macros, and DuckDB's access to files and the network off. `verify`:
    also run the data checks (for commands that show numbers; see verify_data)."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    if not path.parent.is_dir():
        raise BadDatabase(f"the folder of {path} does not exist")
    if path.is_dir():
        raise BadDatabase(f"{path} is a folder, not a database file")
    if path.exists():
        with open(path, "rb") as f:
            header = f.read(12)
        if header[8:12] != b"DUCK":  # DuckDB would open other files (CSV, Parquet) as databases
            what = "empty" if not header else "not a DuckDB database file"
            raise BadDatabase(f"{path} is {what}: not a readable DuckDB database (give another --db)")
    try:
        con = duckdb.connect(str(path), read_only=read_only, config={"enable_external_access": external_access})
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise DatabaseInUse(f"{path} is in use by another process (close it and try again): {e}") from None
        if disk_full(e):
            raise DiskFull(path) from None
        raise BadDatabase(f"{path} is not a readable DuckDB database ({first_line(e)})") from None
    except (duckdb.Error, RuntimeError, MemoryError) as e:
        raise BadDatabase(f"{path} is not a readable DuckDB database ({first_line(e)})") from None
    try:
        check(con, path, read_only)
        if not read_only:
            migrate(con)
        check_tables(con, path)
        create_views(con, temporary=read_only)
        if read_only:  # exact quantiles computed into temporary tables: every open gives the same numbers
            con.execute("CREATE TEMP TABLE f_quantiles (df1 BIGINT, df2 BIGINT, q975 DOUBLE, PRIMARY KEY (df1, df2))")
            con.execute("CREATE TEMP TABLE t_quantiles (df BIGINT PRIMARY KEY, q975 DOUBLE)")
            refresh_quantiles(con)  # writers refresh them when the scores change (ingest, people, report)
        if verify:
            verify_data(con, path)
    except BadDatabase:
        con.close()
        raise
    except (duckdb.Error, RuntimeError) as e:
        con.close()
        if "interrupt" in str(e).lower():  # Ctrl-C while the file was being opened: not a damaged file
            raise KeyboardInterrupt from None
        if disk_full(e):
            raise DiskFull(path) from None
        raise BadDatabase(f"{path} is damaged or not an influx database ({first_line(e)})") from None
    return con


def first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:300] if text else type(e).__name__


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
