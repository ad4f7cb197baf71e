"""Data checks (`sql/checks/`): what must hold in every influx file."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from influx.store.schema import BadDatabase
from influx.store.sqlfiles import sql_dir


def _checks() -> list[Path]:
    """The data tests in `sql/checks/`: queries that must return no rows."""
    return sorted((sql_dir() / "checks").glob("*.sql"))


def first_failure(con: duckdb.DuckDBPyConnection, check: str) -> tuple | None:
    """The first row the data check `checks/<check>.sql` returns (None: it holds)."""
    return con.execute((sql_dir() / "checks" / f"{check}.sql").read_text()).fetchone()


def data_checks(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Run the data tests in `sql/checks/`; the rows each returned."""
    return {path.stem: con.execute(path.read_text()).fetchall() for path in _checks()}


def verify_data(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a file whose data breaks one of the data tests in `sql/checks/` (a video with two
    influencers, a score counted twice, ...): influx never writes such a file, and the numbers
    shown from it would be wrong without a sign. Raises BadDatabase naming the check and a row."""
    for check_path in _checks():
        text = check_path.read_text()
        row = con.execute(text).fetchone()
        if row is not None:  # how to repair it: the check's "-- fix:" line, else clustering again
            m = re.search(r"^-- fix: (.+)$", text, re.M)
            fix = m.group(1).format(*row) if m else "`influx cluster` rebuilds the people"
            raise BadDatabase(f"{path} fails influx's data check {check_path.stem} (for example {row}), so its"
                              f" numbers would be wrong: refused (if the file is yours, {fix})")  # fmt: skip
