"""Settings stored in the file (how it was made), read and written: names from vocabulary.Setting."""

from __future__ import annotations

import math
from collections.abc import Mapping

import duckdb

from influx.vocabulary import SETTING_RANGES, Setting


def setting(con: duckdb.DuckDBPyConnection, name: Setting) -> str | None:
    """A value from the `settings` table (options of the last run that stored them), or None."""
    got = con.execute("SELECT value FROM settings WHERE name = ?", [Setting(name)]).fetchone()
    return got[0] if got else None


def number_setting(con: duckdb.DuckDBPyConnection, name: Setting, default: float) -> float:
    """A numeric setting, or `default` when it is not stored, not a number, or outside the values a
    run can store (SETTING_RANGES: a merge distance of 1e300 in a crafted file would hide every
    video that is far from its person's others)."""
    try:
        value = float(setting(con, name))
    except (TypeError, ValueError):
        return default
    low, high = SETTING_RANGES.get(Setting(name), (-math.inf, math.inf))
    return value if math.isfinite(value) and low <= value <= high else default


def store_settings(con: duckdb.DuckDBPyConnection, values: Mapping[Setting, object]) -> None:
    """Store settings by name (a name that is not a Setting is refused: ValueError)."""
    for name, value in values.items():
        con.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", [Setting(name), str(value)])
