"""Compare two influx databases table by table and view by view (behaviour must not change when
the code moves): `uv run python bench/compare_db.py A.duckdb B.duckdb`. Columns that record when
or where something happened (timestamps, local paths, elapsed seconds) are left out; face ids and
track ids, numbered in the order parallel workers finish, are replaced by what they stand for (the
face's row, frame and box), and floats compared to 12 digits, so two runs of one input compare equal."""

import sys

import duckdb

VOLATILE = {"ingested_at", "created_at", "undone_at", "applied_at", "download_s", "process_s", "local_path"}
RENUMBERED = {"track_id"}  # the faces' appearance numbers: compared through the faces they group
FACES = "SELECT face_id, row_index, frame_index, box_top, box_right, box_bottom, box_left FROM faces"
NAMES = (
    "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
)


def _same(v):
    """Floats to 12 significant digits: DuckDB's parallel sums differ in the last bits between reads."""
    return float(f"{v:.12g}") if isinstance(v, float) else v


def rows(con, name):
    cols = [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [name]).fetchall()
        if c not in VOLATILE | RENUMBERED]  # fmt: skip
    face = {i: tuple(k) for i, *k in con.execute(FACES).fetchall()}
    quoted = ", ".join(f'"{c}"' for c in cols)
    got = con.execute(f'SELECT {quoted} FROM "{name}"').fetchall()
    at = [i for i, c in enumerate(cols) if c == "face_id"]
    got = [tuple(face.get(v, v) if i in at else _same(v) for i, v in enumerate(r)) for r in got]
    return cols, sorted(got, key=repr)


def main(a: str, b: str) -> int:
    ca, cb = duckdb.connect(a, read_only=True), duckdb.connect(b, read_only=True)
    names = [n for (n,) in ca.execute(NAMES).fetchall()]
    differ = 0
    for name in names:
        ra, rb = rows(ca, name), rows(cb, name)
        same = ra == rb
        differ += not same
        print(f"{'same   ' if same else 'DIFFERS'} {name}: {len(ra[1])} rows" + ("" if same else f" vs {len(rb[1])}"))
    print(f"{len(names) - differ} of {len(names)} tables and views identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
