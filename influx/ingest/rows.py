"""The sheet's rows in the database, matched by position (`row_index`): upserted in bulk, a row
given another video starts over, and rows past the sheet's end are refused or forgotten."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from influx import store
from influx.ingest import downloads
from influx.ingest.csv_input import InputError, Row
from influx.output import plural


def sync_rows(con: duckdb.DuckDBPyConnection, rows: list[Row], videos_dir: Path, forget_missing: bool = False) -> int:
    """Upsert the CSV rows into `videos` in bulk (100,000 rows take about a second); a row whose
    URL changed starts over: its faces, people, download and moves are removed (the moves kept in
    undone_corrections), and so are the rows past the sheet's end with `forget_missing`
    (refuse_rows_past refuses them otherwise). Returns new rows."""
    import pandas as pd

    incoming = pd.DataFrame(
        {
            "row_index": pd.array([r.row_index for r in rows], dtype="Int64"),
            "video_url": pd.array([r.url for r in rows], dtype="string"),
            "performance": pd.array([r.performance for r in rows], dtype="Float64"),
            "extra": pd.array([json.dumps(r.extra, ensure_ascii=False) for r in rows], dtype="string"),
            "input_error": pd.array([r.error for r in rows], dtype="string"),
        }
    )
    with store.transaction(con):  # (BEGIN first: it also ends a result the caller left unread)
        con.register("incoming", incoming)
        try:
            changed = [i for (i,) in con.execute(store.sql("videos.changed_rows")).fetchall()]
            if forget_missing:  # the sheet lost these rows: their videos are forgotten
                changed += [i for (i,) in con.execute(store.sql("videos.rows_gone"), {"rows": len(rows)}).fetchall()]
            for row_index in changed:  # influx's own download of a video the sheet no longer has there goes
                downloads.forget(row_index, videos_dir)  # before the commit: a stopped run forgets it again
            if changed:  # a move made on the video that was there would apply to the next one: taken back
                moves = [c for (c,) in con.execute(store.sql("corrections.moves_on_rows"), [changed]).fetchall()]
                con.execute(store.sql("corrections.keep_undone"), ["ingest", moves])
                con.execute(store.sql("corrections.delete_corrections"), [moves])
                store.forget_videos(con, changed)
                con.execute(store.sql("videos.forget_copies_of_rows"), [changed])
                con.execute(store.sql("videos.restart_duplicates_of_rows"), [changed])
                con.execute(store.sql("videos.delete_rows"), [changed])
            con.execute(store.sql("videos.update_rows"))
            new = con.execute(store.sql("videos.insert_rows")).fetchone()
        finally:
            con.unregister("incoming")
    return new[0] if new else 0


def refuse_rows_past(con: duckdb.DuckDBPyConnection, n: int) -> None:
    """Rows are matched by position: a database with videos past the sheet's `n` rows (the sheet lost
    rows, or is another one) is refused, since their faces and scores would still count."""
    past, first, last = con.execute(store.sql("videos.rows_past"), {"rows": n}).fetchone()
    if past:
        rows, them = (f"row {first}", "it") if past == 1 else (f"{past} rows ({first} to {last})", "them")
        raise InputError(f"the database holds a video at {rows}, past the end of this sheet ({plural(n, 'row')}), which"
                         f" would still count: --forget-missing-rows forgets {them} (nothing was changed)")  # fmt: skip
