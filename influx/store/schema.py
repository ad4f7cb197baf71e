"""The schema a file must have to be opened: influx's own, compared exactly."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import duckdb

from influx.store.migrations import _numbered, migrate
from influx.store.sqlfiles import read_sql, sql, sql_dir


class BadDatabase(Exception):
    """The file is not an influx database influx can trust; the message says why in one line."""


# influx's own macros, as macros.sql defines them (any other function in a file is refused)
OWN_MACROS = frozenset(re.findall(r"^CREATE OR REPLACE MACRO (\w+)", read_sql("macros.sql"), re.M))


FOREIGN_HARM = {  # what each kind of object in database.foreign_objects would do
    "indexes": "influx does not make (an index's expression runs when influx writes, and a unique one drops rows"
    " influx stores)",
    "triggers": "would run the file's own SQL when influx writes",
    "types": "could replace the types influx casts to",
}


@functools.cache
def expected_schema() -> tuple[dict[str, dict[str, str]], frozenset, dict[str, str]]:
    """Base tables with their column types, and their constraints, as the migrations make them
    (on an in-memory database)."""
    con = duckdb.connect(":memory:")
    migrate(con)
    return _schema(con), _constraints(con), _definitions(con)


def _definitions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each table's and sequence's definition as DuckDB states it (CREATE TABLE with every
    default, generated column, CHECK and key; a sequence's step, bounds and cycling): SQL
    the file itself would evaluate, which must be influx's own, to the character."""
    return dict(con.execute(sql("database.definitions")).fetchall())


def _constraints(con: duckdb.DuckDBPyConnection) -> frozenset:
    """(table, kind, columns) of every key, unique and not-null constraint: without them a file
    could hold a video twice and count its score twice."""
    return frozenset(
        (table, kind, tuple(columns))
        for table, kind, columns in con.execute(
            "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints()"
            " WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'NOT NULL')"
        ).fetchall()
    )


def _schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = 'main'"
        " AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = current_database())"
    ).fetchall():
        out.setdefault(table, {})[column] = kind
    return out


def check(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
    """Refuse a file that could make influx compute with anything but its own SQL: functions or
    macros of its own (they can shadow built-ins), triggers, indexes or types (FOREIGN_HARM), a
    table replaced by a view or with other columns, a schema from another or a newer version.
    Raises BadDatabase."""
    here = "database_name = current_database()"
    foreign = [name for (name,) in con.execute(
        f"SELECT DISTINCT function_name FROM duckdb_functions() WHERE NOT internal AND {here}").fetchall()
        if name not in OWN_MACROS]  # fmt: skip
    if foreign:
        names = ", ".join(sorted(foreign)[:5])
        raise BadDatabase(f"{path} defines its own SQL functions ({names}), which could change what influx"
                          " computes: refused (drop them with plain DuckDB if you trust the file)")  # fmt: skip
    objects: dict[str, list[str]] = {}
    for kind, name in con.execute(sql("database.foreign_objects")).fetchall():
        objects.setdefault(kind, []).append(name)
    for kind, names in objects.items():  # influx makes none of them
        raise BadDatabase(f"{path} defines {kind} ({', '.join(names[:5])}), which {FOREIGN_HARM[kind]}: refused"
                          " (drop them with plain DuckDB if you trust the file)")  # fmt: skip
    tables = _schema(con)
    if not tables:
        if read_only:
            raise BadDatabase(f"{path} is an empty database, not one made by influx")
        return
    if "schema_migrations" not in tables:
        raise BadDatabase(f"{path} is a DuckDB file, but not an influx database (no schema_migrations table)")
    known = {v for v, _ in _numbered(sql_dir() / "migrations")}
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    if done - known:
        raise BadDatabase(f"{path} was made by a newer influx (schema version {max(done)}): upgrade influx")
    if read_only and done != known:
        raise BadDatabase(f"{path} has an older influx schema: open it once with write access to upgrade it")


def check_tables(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every base table influx reads is a table with exactly the expected columns and types."""
    got = _schema(con)
    views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views()"
             " WHERE NOT internal AND database_name = current_database()").fetchall()}  # fmt: skip
    tables, constraints, definitions = expected_schema()
    for table, columns in tables.items():
        if table in views or table not in got:
            raise BadDatabase(f"{path}: {table} is {'a view' if table in views else 'missing'}, not influx's table")
        if got[table] != columns:
            diff = sorted(set(got[table].items()) ^ set(columns.items()))[:3]
            raise BadDatabase(f"{path}: table {table} does not have influx's columns ({diff})")
    missing = sorted(constraints - _constraints(con))
    if missing:
        table, kind, columns = missing[0]
        raise BadDatabase(f"{path}: table {table} lacks influx's {kind} constraint on {', '.join(columns)}")
    got_definitions = _definitions(con)
    for name, definition in definitions.items():
        if got_definitions.get(name) != definition:
            raise BadDatabase(f"{path}: {name} is not defined as influx defines it (a default, generated column,"
                              f" CHECK or sequence of its own would run the file's SQL): refused")  # fmt: skip
    for name, next_value, highest in con.execute(sql("database.sequences_behind")).fetchall():
        fix = f"SELECT nextval('{name}') FROM range({highest - next_value + 1})"
        raise BadDatabase(f"{path}: the sequence {name} would give {next_value} next, an id the file already holds"
                          f" (up to {highest}; influx never writes ids by hand): refused (if the file is yours, move"
                          f" it on with plain DuckDB: {fix})")  # fmt: skip
