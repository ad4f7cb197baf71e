"""Per-video rows: their status columns and what is stored for a decoded video."""

from __future__ import annotations

import duckdb

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
