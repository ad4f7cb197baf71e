"""The SQL of influx: files under `influx/sql/`, one accessor."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path


def sql_dir() -> Path:
    """The `influx/sql/` folder (package data, in a checkout and in the installed wheel)."""
    return Path(str(resources.files("influx") / "sql"))


def read_sql(name: str) -> str:
    """The text of `influx/sql/<name>` (migrations, macros, model and checks are read by the store)."""
    return (sql_dir() / name).read_text()


@functools.cache
def _statements(concept: str) -> dict[str, str]:
    """The statements of statements/<concept>.sql: blocks that start with `-- name: NAME`."""
    out, name = {}, None
    for line in read_sql(f"statements/{concept}.sql").splitlines():
        if line.startswith("-- name:"):
            name = line.split(":", 1)[1].strip()
            out[name] = ""
        elif name is not None:
            out[name] += line + "\n"
    return {k: v.strip() for k, v in out.items()}


def sql(name: str) -> str:
    """The text of the statement "concept.name" (influx/sql/statements/concept.sql): the one way
    Python gets SQL; influx's SQL lives in influx/sql/, never in Python strings."""
    concept, _, statement = name.partition(".")
    return _statements(concept)[statement]


def statements(name: str) -> list[str]:
    """The statements of the block "concept.name", one by one (a block of several, each ending
    with `;` at the end of a line, whose parameters DuckDB would take for the last one only)."""
    return [s.strip() for s in re.split(r";\s*$", sql(name), flags=re.M) if s.strip()]
