"""The SQL of influx: files under `influx/sql/`, one accessor."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path


def sql_dir() -> Path:
    """The `influx/sql/` folder (package data, in a checkout and in the installed wheel)."""
    return Path(str(resources.files("influx") / "sql"))


def read_sql(name: str) -> str:
    """The text of `sql/<name>`."""
    return (sql_dir() / name).read_text()


@functools.cache
def _named(module: str) -> dict[str, str]:
    """The statements of sql/named/<module>.sql: blocks that start with `-- name: NAME`."""
    out, name = {}, None
    for line in read_sql(f"named/{module}.sql").splitlines():
        if line.startswith("-- name:"):
            name = line.split(":", 1)[1].strip()
            out[name] = ""
        elif name is not None:
            out[name] += line + "\n"
    return {k: v.strip() for k, v in out.items()}


def sql(name: str) -> str:
    """The text of a named statement, "module.name" (sql/named/module.sql), or of a one-statement
    file, "queries/name" or "derive/name": influx's SQL lives in sql/, never in Python strings."""
    if "/" in name:
        return read_sql(f"{name}.sql")
    module, _, statement = name.partition(".")
    return _named(module)[statement]
