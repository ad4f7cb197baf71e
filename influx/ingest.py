"""Ingest: read the CSV, fetch every video, find its faces in a worker pool, store them (one writer)."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import db
from .csv_input import Row, read_rows
from .faces import FaceOptions, VideoResult
from .fetch import STOP, FetchError, FetchOptions, fetch
from .workers import Workers

WRITER_MEMORY = "256MB"  # DuckDB memory limit of the ingest's database connection


class StorageError(Exception):
    """The videos folder or the disk cannot take what the ingest must write; the run stops."""


@dataclass
class IngestOptions:
    fetch: FetchOptions
    faces: FaceOptions = field(default_factory=FaceOptions)
    workers: int = 2
    retry_failed: bool = False
    video_timeout: float = 600.0  # seconds of processing before a video is failed (a hung decoder); 0: none


@dataclass
class Summary:
    csv_rows: int = 0
    new_rows: int = 0
    to_process: int = 0
    statuses: Counter = field(default_factory=Counter)  # over the whole database after the run
    done_now: Counter = field(default_factory=Counter)  # statuses reached in this run
    failures: Counter = field(default_factory=Counter)  # error_kind counts over the database
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False


def sync_rows(con: duckdb.DuckDBPyConnection, rows: list[Row], videos_dir: Path) -> int:
    """Upsert the CSV rows into `videos` in bulk (100,000 rows take about a second); a row whose
    URL changed starts over: its faces, people and download are removed. Returns new rows."""
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
    with db.transaction(con):
        con.register("incoming", incoming)
        changed = [i for (i,) in con.execute(db.read_sql("queries/changed_rows.sql")).fetchall()]
        if changed:
            con.execute("DELETE FROM faces WHERE row_index IN ?", [changed])
            con.execute("DELETE FROM video_people WHERE row_index IN ?", [changed])
            con.execute("DELETE FROM frame_hashes WHERE row_index IN ?", [changed])
            con.execute("UPDATE videos SET copy_of = NULL, copy_distance = NULL WHERE copy_of IN ?", [changed])
            con.execute("UPDATE videos SET status = 'pending', duplicate_of = NULL WHERE duplicate_of IN ?", [changed])
            con.execute("DELETE FROM videos WHERE row_index IN ?", [changed])
        con.execute(db.read_sql("queries/update_rows.sql"))
        new = con.execute(db.read_sql("queries/insert_rows.sql")).fetchone()
        con.unregister("incoming")
    for row_index in changed:  # the sheet now has another video at this position
        for path in videos_dir.glob(f"{row_index}.*"):
            path.unlink(missing_ok=True)
    return new[0] if new else 0


def find_copies(con: duckdb.DuckDBPyConnection) -> int:
    """Mark near-duplicate videos (re-encoded, resized or trimmed copies of a lower row's video) in
    `videos.copy_of`, afresh over the whole database; returns how many rows are copies."""
    with db.transaction(con):
        con.execute(db.read_sql("derive/copies.sql"))
    return con.execute("SELECT count(*) FROM videos WHERE copy_of IS NOT NULL").fetchone()[0]


def check_writable(folder: Path) -> None:
    """Fail early, before anything is stored, when downloads could not be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".influx-write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as e:
        raise StorageError(f"cannot write to --videos-dir {folder}: {e.strerror or e}") from None


def _fetch_and_hash(row_index: int, url: str, opts: FetchOptions):
    started = time.perf_counter()
    got = fetch(url, row_index, opts)
    if got.bytes == 0:
        raise FetchError("empty", f"the file is empty (0 bytes): {got.path}")
    return got.path, got.sha256, got.bytes, time.perf_counter() - started


class _Writer:
    """The only code that writes video results: one transaction per video."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def failed(self, row_index: int, kind: str, error: str, **facts) -> None:
        with db.transaction(self.con):
            self._update(row_index, "failed", error_kind=kind, error=error, n_faces=0, **facts)

    def duplicate(self, row_index: int, of: int, **facts) -> None:
        with db.transaction(self.con):
            n = self.con.execute("SELECT n_faces FROM videos WHERE row_index = ?", [of]).fetchone()
            self._update(row_index, "duplicate", duplicate_of=of, n_faces=n[0] if n else 0, **facts)

    def video(self, row_index: int, result: VideoResult, **facts) -> str:
        status = "ok" if result.faces else "no_faces"
        with db.transaction(self.con):
            self.con.execute("DELETE FROM faces WHERE row_index = ?", [row_index])
            self.con.execute("DELETE FROM frame_hashes WHERE row_index = ?", [row_index])
            if result.frame_hashes:
                self.con.executemany(
                    "INSERT INTO frame_hashes (row_index, timestamp_s, dhash) VALUES (?, ?, ?)",
                    [(row_index, t, h) for t, h in result.frame_hashes],
                )
            if result.faces:
                import pandas as pd  # loaded on the first write, not at start-up

                frame = pd.DataFrame(
                    {
                        "row_index": row_index,
                        "frame_index": [f.frame_index for f in result.faces],
                        "timestamp_s": [f.timestamp_s for f in result.faces],
                        "box_top": [f.box[0] for f in result.faces],
                        "box_right": [f.box[1] for f in result.faces],
                        "box_bottom": [f.box[2] for f in result.faces],
                        "box_left": [f.box[3] for f in result.faces],
                        "face_size": [f.face_size for f in result.faces],
                        "detector_score": [f.detector_score for f in result.faces],
                        "sharpness": [f.sharpness for f in result.faces],
                        "frontality": [f.frontality for f in result.faces],
                        "embedding": [f.embedding for f in result.faces],
                        "crop": [f.crop for f in result.faces],
                    }
                )
                self.con.register("new_faces", frame)
                self.con.execute(
                    "INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right,"
                    " box_bottom, box_left, face_size, detector_score, sharpness, frontality,"
                    " embedding, crop) SELECT row_index, frame_index, timestamp_s, box_top,"
                    " box_right, box_bottom, box_left, face_size, detector_score, sharpness,"
                    " frontality, embedding::FLOAT[128], crop FROM new_faces"
                )
                self.con.unregister("new_faces")
            self._update(
                row_index, status, duration_s=result.duration_s, fps=result.fps,
                width=result.width, height=result.height, frames_sampled=result.frames_sampled,
                n_faces=len(result.faces), process_s=result.process_s, **facts,
            )  # fmt: skip
        return status

    def _update(self, row_index: int, status: str, **values) -> None:
        values = {"error_kind": None, "error": None, "duplicate_of": None, **values}
        sets = ", ".join(f"{k} = ?" for k in values)
        self.con.execute(
            f"UPDATE videos SET status = ?, {sets}, ingested_at = current_timestamp WHERE row_index = ?",
            [status, *values.values(), row_index],
        )


def ingest(
    db_path: str | Path,
    csv_path: str | Path,
    opts: IngestOptions,
    on_start=lambda total: None,
    on_done=lambda row_index, status: None,
    rows: list[Row] | None = None,
    on_warning=lambda message: None,
) -> Summary:
    """Ingest `csv_path` (or its already parsed `rows`) into the database at `db_path`.

    Safe to interrupt and to run again: finished videos are skipped.
    """
    started = time.perf_counter()
    if rows is None:
        rows = read_rows(csv_path)  # raises InputError before anything is written
    if any(r.url and r.url.lower().startswith(("http://", "https://")) for r in rows):
        check_writable(opts.fetch.videos_dir)
    STOP.clear()
    con = db.connect(db_path)
    # DuckDB keeps written blocks (face crops) cached up to 80% of RAM: the writer's memory then
    # grows by ~40 MB per 1,000 videos. The writer needs little: the cap bounds that growth.
    con.execute(f"SET memory_limit = '{WRITER_MEMORY}'")
    f = opts.faces
    db.store_settings(con, fps=f.fps, max_frames=f.max_frames, min_face=f.min_face, model=f.model,
                      hog_threshold=f.hog_threshold, main_error=f.main_error)  # fmt: skip
    summary = Summary(csv_rows=len(rows))
    try:
        summary.new_rows = sync_rows(con, rows, opts.fetch.videos_dir)
        todo_status = "('pending', 'failed')" if opts.retry_failed else "('pending')"
        todo = con.execute(
            f"SELECT row_index, video_url FROM videos WHERE status IN {todo_status}"
            " AND video_url IS NOT NULL ORDER BY row_index"
        ).fetchall()
        summary.to_process = len(todo)
        on_start(len(todo))

        def done(row_index: int, status: str) -> None:
            summary.done_now[status] += 1
            on_done(row_index, status)

        try:
            _run(con, todo, opts, done, on_warning)
        except (KeyboardInterrupt, duckdb.InterruptException, RuntimeError) as e:
            # Ctrl-C inside a DuckDB call can also surface as RuntimeError("Query interrupted")
            if isinstance(e, RuntimeError) and "interrupt" not in str(e).lower():
                raise
            STOP.set()
            summary.interrupted = True
        find_copies(con)
        _fill_summary(con, summary)
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    return summary


NETWORK_KINDS = {"dns", "connection", "network", "timeout"}
NO_NETWORK_AFTER = 5  # this many downloads failing for network reasons, and none working: say so


def _run(con, todo, opts: IngestOptions, done, on_warning=lambda message: None) -> None:
    writer = _Writer(con)
    network = {"failed": 0, "worked": False, "warned": False}
    known = dict(
        con.execute(
            "SELECT sha256, min(row_index) FROM videos WHERE status IN ('ok', 'no_faces')"
            " AND sha256 IS NOT NULL GROUP BY sha256"
        ).fetchall()
    )
    failed_sha = {  # sha -> (error_kind, error) of bytes that failed to decode
        sha: ("decode", error)
        for sha, error in con.execute(
            "SELECT sha256, any_value(error) FROM videos WHERE status = 'failed'"
            " AND error_kind = 'decode' AND sha256 IS NOT NULL GROUP BY sha256"
        ).fetchall()
    }
    n = max(1, opts.workers)
    queue = list(reversed(todo))
    fetchers = ThreadPoolExecutor(max_workers=n + 2, thread_name_prefix="fetch")
    workers = Workers(n, opts.faces, opts.video_timeout)
    fetching: dict[Future, int] = {}
    processing: dict[Future, tuple] = {}  # future -> (row_index, sha, facts, path)
    waiting: dict[str, list[tuple[int, dict]]] = {}  # sha in processing -> duplicate rows waiting
    in_flight: dict[str, int] = {}  # sha -> row_index being processed

    tick = 1.0 if opts.video_timeout else None  # how often the time limit is checked

    def submit(row_index, sha, facts, path):
        processing[workers.submit(row_index, path)] = (row_index, sha, facts, path)

    try:
        while queue or fetching or processing:
            while queue and len(fetching) + len(processing) < 2 * n + 2:
                row_index, url = queue.pop()
                fut = fetchers.submit(_fetch_and_hash, row_index, url, opts.fetch)
                fetching[fut] = row_index
            finished, _ = wait(list(fetching) + list(processing), timeout=tick, return_when=FIRST_COMPLETED)
            workers.watch()
            for fut in finished:
                if fut in fetching:
                    row_index = fetching.pop(fut)
                    try:
                        path, sha, size, seconds = fut.result()
                    except FetchError as e:
                        if e.reason == "disk_full":
                            raise StorageError(str(e)) from None
                        if e.reason == "interrupted":
                            continue  # stays pending: the next run fetches it again
                        network["failed"] += e.reason in NETWORK_KINDS
                        if network["failed"] >= NO_NETWORK_AFTER and not (network["worked"] or network["warned"]):
                            network["warned"] = True
                            on_warning(f"the first {network['failed']} downloads failed for network reasons"
                                       f" ({e.reason}: {e}): no network? Going on (Ctrl-C stops).")  # fmt: skip
                        writer.failed(row_index, e.reason, str(e))
                        done(row_index, "failed")
                        continue
                    except Exception as e:  # noqa: BLE001 - a bug or an OS error: keep going
                        writer.failed(row_index, "fetch", f"{type(e).__name__}: {e}")
                        done(row_index, "failed")
                        continue
                    network["worked"] = True
                    facts = {"sha256": sha, "bytes": size, "local_path": str(path),
                             "download_s": seconds}  # fmt: skip
                    if sha in known:
                        writer.duplicate(row_index, known[sha], **facts)
                        done(row_index, "duplicate")
                    elif sha in failed_sha:
                        writer.failed(row_index, *failed_sha[sha], **facts)
                        done(row_index, "failed")
                    elif sha in in_flight:
                        waiting.setdefault(sha, []).append((row_index, facts))
                    else:
                        in_flight[sha] = row_index
                        submit(row_index, sha, facts, path)
                    continue
                row_index, sha, facts, path = processing.pop(fut)
                result = workers.outcome(fut)
                if result is None:
                    submit(row_index, sha, facts, path)
                    continue
                if isinstance(result, VideoResult):
                    # the lowest row with these bytes holds the faces, whichever was fetched first
                    same = sorted([(row_index, facts), *waiting.pop(sha, [])], key=lambda x: x[0])
                    canonical, canonical_facts = same[0]
                    known[sha] = canonical
                    done(canonical, writer.video(canonical, result, **canonical_facts))
                    for dup, dup_facts in same[1:]:
                        writer.duplicate(dup, canonical, **dup_facts)
                        done(dup, "duplicate")
                    in_flight.pop(sha, None)
                    continue
                kind, error = failed_sha[sha] = result
                writer.failed(row_index, kind, error, **facts)
                done(row_index, "failed")
                for dup, dup_facts in waiting.pop(sha, []):
                    writer.failed(dup, kind, error, **dup_facts)
                    done(dup, "failed")
                in_flight.pop(sha, None)
    finally:
        fetchers.shutdown(wait=False, cancel_futures=True)
        workers.stop()


def _fill_summary(con: duckdb.DuckDBPyConnection, summary: Summary) -> None:
    summary.statuses = Counter(dict(con.execute("SELECT status, count(*) FROM videos GROUP BY status").fetchall()))
    summary.failures = Counter(
        dict(con.execute("SELECT error_kind, count(*) FROM videos WHERE status = 'failed' GROUP BY 1").fetchall())
    )
    summary.faces = con.execute("SELECT count(*) FROM faces").fetchone()[0]
