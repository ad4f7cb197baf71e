"""Writer: the only code that stores video results in the database, one transaction per video.

Whichever executor produced a result (the local pool or Dask), it is stored here, by the one
process that has the database open.
"""

from __future__ import annotations

import duckdb

from influx import store
from influx.faces.extract import VideoResult
from influx.vocabulary import ErrorKind, VideoStatus


class Writer:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def failed(self, row_index: int, kind: ErrorKind | str, error: str, **facts) -> None:
        with store.transaction(self.con):
            self._update(row_index, VideoStatus.FAILED, error_kind=kind, error=error, n_faces=0, **facts)

    def duplicate(self, row_index: int, of: int, **facts) -> None:
        """`row_index` has the same bytes as `of`, whose faces it shares (it keeps none of its own)."""
        with store.transaction(self.con):
            self._forget(row_index)
            n = self.con.execute(store.sql("videos.faces_of_row"), [of]).fetchone()
            self._as_duplicate(row_index, of, n[0] if n else 0, **facts)

    def video(self, row_index: int, result: VideoResult, **facts) -> VideoStatus:
        """Store a decoded video's faces and frame hashes; returns its status (ok or no_faces)."""
        status = VideoStatus.OK if result.faces else VideoStatus.NO_FACES
        with store.transaction(self.con):
            self._forget(row_index)
            if result.frame_hashes:
                times, hashes = zip(*result.frame_hashes, strict=True)
                self.con.execute(store.sql("faces.insert_frame_hashes"), [row_index, list(times), list(hashes)])
            if result.faces:
                import pandas as pd  # loaded on the first write, not at start-up

                self.con.register("new_faces", pd.DataFrame(_face_columns(row_index, result)))
                self.con.execute(store.sql("faces.insert_faces"))
                self.con.unregister("new_faces")
            self._update(
                row_index, status, duration_s=result.duration_s, fps=result.fps,
                width=result.width, height=result.height, frames_sampled=result.frames_sampled,
                n_faces=len(result.faces), process_s=result.process_s, **facts,
            )  # fmt: skip
        return status

    def move(self, source: int, to: int, **facts) -> None:
        """Make `to` (a lower row with the same bytes) hold `source`'s decoded video, and `source` its
        duplicate: the lowest row of identical bytes holds the faces, whichever finished first."""
        with store.transaction(self.con):
            decoded = self._decoded(source)
            status = decoded.pop("status")
            store.move_video(self.con, source, to)
            self._update(to, status, **decoded, **facts)
            self.con.execute(store.sql("videos.repoint_duplicates"), [to, source])
            self._as_duplicate(source, to, decoded["n_faces"])

    def _decoded(self, row_index: int) -> dict:
        """The row's status and decoded facts (statement videos.decoded), by column name."""
        got = self.con.execute(store.sql("videos.decoded"), [row_index])
        names = [d[0] for d in got.description]
        return dict(zip(names, got.fetchone() or [None] * len(names), strict=True))

    def _as_duplicate(self, row_index: int, of: int, n_faces: int, **facts) -> None:
        """Mark `row_index` a duplicate of `of`: no decoded facts of its own (whichever row
        finished first, and whatever an earlier run stored for it)."""
        undecoded = dict.fromkeys(name for name in self._decoded(of) if name != "status")
        self._update(row_index, VideoStatus.DUPLICATE, **{**undecoded, "duplicate_of": of, "n_faces": n_faces,
                                                          **facts})  # fmt: skip

    def _forget(self, row_index: int) -> None:
        """Drop what an earlier run stored for this row's video."""
        store.forget_videos(self.con, [row_index])

    def _update(self, row_index: int, status: VideoStatus, **values) -> None:
        store.set_video(self.con, row_index, status=status, **{"error_kind": None, "error": None, "duplicate_of": None,
                                                            **values})  # fmt: skip


def _face_columns(row_index: int, result: VideoResult) -> dict:
    faces = result.faces
    return {
        "row_index": row_index,
        "frame_index": [f.frame_index for f in faces],
        "timestamp_s": [f.timestamp_s for f in faces],
        "box_top": [f.box[0] for f in faces],
        "box_right": [f.box[1] for f in faces],
        "box_bottom": [f.box[2] for f in faces],
        "box_left": [f.box[3] for f in faces],
        "face_size": [f.face_size for f in faces],
        "detector_score": [f.detector_score for f in faces],
        "sharpness": [f.sharpness for f in faces],
        "frontality": [f.frontality for f in faces],
        "embedding": [f.embedding for f in faces],
        "crop": [f.crop for f in faces],
        "detector": result.detector,
        "encoder": result.encoder,
    }
