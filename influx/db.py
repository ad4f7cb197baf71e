"""Open an influx DuckDB file: apply numbered migrations, (re)create the public views."""

from __future__ import annotations

import functools
import math
import re
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np


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


def sql_dir() -> Path:
    """The `sql/` folder: inside the installed wheel, or at the top of a source checkout."""
    packaged = resources.files("influx") / "sql"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "sql"


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


VIDEO_COLUMNS = frozenset(("status", "error_kind", "error", "duplicate_of", "sha256", "bytes", "local_path",
                           "download_s", "duration_s", "fps", "width", "height", "frames_sampled", "n_faces",
                           "process_s"))  # fmt: skip


def set_video(con: duckdb.DuckDBPyConnection, row_index: int, **values) -> None:
    """Set the given columns of one `videos` row (names checked against VIDEO_COLUMNS), and its time."""
    unknown = set(values) - VIDEO_COLUMNS
    if unknown:
        raise ValueError(f"not a videos column: {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    con.execute(f"UPDATE videos SET {sets}, ingested_at = current_timestamp WHERE row_index = ?",
                [*values.values(), row_index])  # fmt: skip


VIDEO_TABLES = ("faces", "frame_hashes", "video_people")  # what is stored per decoded video


def forget_videos(con: duckdb.DuckDBPyConnection, row_indexes: list[int]) -> None:
    """Delete what was stored for these rows' videos: faces, frame hashes, people."""
    for table in VIDEO_TABLES:
        con.execute(f"DELETE FROM {table} WHERE row_index IN ?", [row_indexes])


def move_video(con: duckdb.DuckDBPyConnection, source: int, to: int) -> None:
    """Re-point a decoded video's faces and frame hashes to another row (before it is clustered)."""
    for table in ("faces", "frame_hashes"):
        con.execute(f"UPDATE {table} SET row_index = ? WHERE row_index = ?", [to, source])


def limit_memory(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]?i?B", limit):
        raise ValueError(f"not a memory size: {limit!r}")
    con.execute(f"SET memory_limit = '{limit}'")


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


def create_views(con: duckdb.DuckDBPyConnection, temporary: bool = False) -> None:
    """Create influx's macros and every view in `sql/views/` (one view per file, in file-name order):
    in the file, or as temporary objects (a read-only file), which take precedence over the file's."""
    texts = [read_sql("macros.sql")] + [path.read_text() for _, path in _numbered(sql_dir() / "views")]
    for text in texts:
        if temporary:
            text = re.sub(r"CREATE OR REPLACE (MACRO|VIEW)", r"CREATE OR REPLACE TEMP \1", text)
        con.execute(text)


class BadDatabase(Exception):
    """The file is not an influx database influx can trust; the message says why in one line."""


OWN_MACROS = {"paulson", "paulson_cube_root", "koo_li"}


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
    return dict(con.execute(sql("db.definitions")).fetchall())


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
    macros of its own (they can shadow built-ins), a table replaced by a view or with other
    columns, a schema from another or a newer version. Raises BadDatabase."""
    here = "database_name = current_database()"
    foreign = [name for (name,) in con.execute(
        f"SELECT DISTINCT function_name FROM duckdb_functions() WHERE NOT internal AND {here}").fetchall()
        if name not in OWN_MACROS]  # fmt: skip
    if foreign:
        names = ", ".join(sorted(foreign)[:5])
        raise BadDatabase(f"{path} defines its own SQL functions ({names}), which could change what influx"
                          " computes: refused (drop them with plain DuckDB if you trust the file)")  # fmt: skip
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
        if disk_full(e):
            raise DiskFull(path) from None
        raise BadDatabase(f"{path} is damaged or not an influx database ({first_line(e)})") from None
    return con


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


def setting(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """A value from the `settings` table (options of the last run that stored them), or None."""
    got = con.execute("SELECT value FROM settings WHERE name = ?", [name]).fetchone()
    return got[0] if got else None


def number_setting(con: duckdb.DuckDBPyConnection, name: str, default: float) -> float:
    """A numeric setting, or `default` when it is not stored or not a finite number (a crafted file)."""
    try:
        value = float(setting(con, name))
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def store_settings(con: duckdb.DuckDBPyConnection, **values) -> None:
    for name, value in values.items():
        con.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", [name, str(value)])


def _checks() -> list[Path]:
    """The data tests in `sql/checks/`: queries that must return no rows."""
    return sorted((sql_dir() / "checks").glob("*.sql"))


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


def refresh_quantiles(con: duckdb.DuckDBPyConnection) -> None:
    """Store the exact 97.5% F quantiles (the ICC's interval) and t quantile (the averages'
    intervals) for the degrees of freedom of the current data. Stored values are computed again
    and compared, never trusted: a file from someone else could hold a wrong quantile that moves
    every interval and rating word (scipy.special, the functions scipy.stats' f and t call)."""
    g, n = con.execute(sql("db.quantile_degrees")).fetchone()
    if not g or g < 2 or n - g < 1:
        return
    from scipy.special import fdtri, stdtrit

    want_f = {(d1, d2): float(fdtri(d1, d2, 0.975)) for d1, d2 in ((g - 1, n - g), (n - g, g - 1))}
    want_t = float(stdtrit(n - g, 0.975))
    keys = list(want_f)
    stored = con.execute(sql("db.stored_f_quantiles"), [*keys[0], *keys[1]]).fetchall()
    have_f = {(d1, d2): q for d1, d2, q in stored}
    have_t = con.execute(sql("db.stored_t_quantile"), [n - g]).fetchall()
    if have_f == want_f and have_t == [(want_t,)]:
        return
    for (d1, d2), q in want_f.items():
        con.execute(sql("db.store_f_quantile"), [d1, d2, q])
    con.execute(sql("db.store_t_quantile"), [n - g, want_t])
