"""Settings stored in the file (how it was made), read and written: names from vocabulary.Setting."""

from __future__ import annotations

import math
from collections.abc import Mapping

import duckdb

from influx.vocabulary import Setting


def setting(con: duckdb.DuckDBPyConnection, name: Setting) -> str | None:
    """A value from the `settings` table (options of the last run that stored them), or None."""
    got = con.execute("SELECT value FROM settings WHERE name = ?", [Setting(name)]).fetchone()
    return got[0] if got else None


def number_setting(con: duckdb.DuckDBPyConnection, name: Setting, default: float) -> float:
    """A numeric setting, or `default` when it is not stored or not a finite number (a crafted file)."""
    try:
        value = float(setting(con, name))
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def store_settings(con: duckdb.DuckDBPyConnection, values: Mapping[Setting, object]) -> None:
    """Store settings by name (a name that is not a Setting is refused: ValueError)."""
    for name, value in values.items():
        con.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", [Setting(name), str(value)])
