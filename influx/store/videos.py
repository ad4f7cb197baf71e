"""Per-video rows: their status columns and what is stored for a decoded video."""

from __future__ import annotations

import functools

import duckdb

from influx.store.schema import expected_schema
from influx.store.sqlfiles import statements

SET_ELSEWHERE = ("row_index", "ingested_at")  # the key, and the time set_video sets itself


@functools.cache
def video_columns() -> frozenset[str]:
    """The columns set_video may set: every column of the table videos as the migrations make it,
    but its key and the time."""
    return frozenset(expected_schema()[0]["videos"]) - set(SET_ELSEWHERE)


def set_video(con: duckdb.DuckDBPyConnection, row_index: int, **values) -> None:
    """Set the given columns of one `videos` row (names checked against the schema), and its time."""
    unknown = set(values) - video_columns()
    if unknown:
        raise ValueError(f"not a videos column: {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    con.execute(f"UPDATE videos SET {sets}, ingested_at = current_timestamp WHERE row_index = ?",
                [*values.values(), row_index])  # fmt: skip


def forget_videos(con: duckdb.DuckDBPyConnection, row_indexes: list[int]) -> None:
    """Delete what was stored for these rows' videos (statement videos.forget_videos says what)."""
    for statement in statements("videos.forget_videos"):
        con.execute(statement, [row_indexes])


def move_video(con: duckdb.DuckDBPyConnection, source: int, to: int) -> None:
    """Re-point a decoded video's faces and frame hashes to another row (before it is clustered)."""
    for statement in statements("videos.move_video"):
        con.execute(statement, {"source": source, "to": to})
