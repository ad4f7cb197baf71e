"""Ingest: read the CSV, fetch every video, find its faces in a worker pool, store them (one writer)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from influx import store
from influx.faces.extract import FaceOptions, process_video
from influx.ingest.csv_input import InputError, Row, read_rows
from influx.ingest.downloads import StorageError, check_writable
from influx.ingest.executors import Executor, LocalExecutor, Outcome
from influx.ingest.limits import FetchOptions
from influx.ingest.rows import refuse_rows_past, sync_rows
from influx.ingest.writer import Writer
from influx.vocabulary import ErrorKind, Setting, VideoStatus

WRITER_MEMORY = "256MB"  # DuckDB memory limit of the ingest's database connection
WORKERS = os.cpu_count() or 1  # videos processed in parallel by default (ingest --workers): every core


class NoNetwork(Exception):
    """The first downloads all failed for network reasons and none worked: the run stops, and
    the rows not read stay pending for the next run."""


@dataclass
class IngestOptions:
    fetch: FetchOptions
    faces: FaceOptions = field(default_factory=FaceOptions)
    workers: int = WORKERS
    retry_failed: bool = False
    video_timeout: float = 600.0  # seconds of processing before a video is failed (a hung decoder); 0: none
    scheduler: str | None = None  # a Dask scheduler's address: run on that cluster instead of the local pool
    keep_downloads: bool = False  # with a scheduler: workers keep downloads in fetch.videos_dir (shared)
    forget_missing_rows: bool = False  # forget the videos of rows past the sheet's end (else: refused)
    process: Callable = process_video  # the per-video function run by the executor (tests pass fakes)


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
    offline: str | None = None  # why the run stopped for want of a network (its rows stay pending)


def find_copies(con: duckdb.DuckDBPyConnection) -> None:
    """Mark near-duplicate videos (re-encoded, resized or trimmed copies of a lower row's video) in
    `videos.copy_of`, afresh over the whole database, and count the people's videos again (the
    influencers table reads the copies, and a row the sheet gave another video lost its faces)."""
    with store.transaction(con):
        store.derive(con, "copies")
        store.derive(con, "influencers")


def plan(con: duckdb.DuckDBPyConnection, retry_failed: bool) -> list[tuple[int, str]]:
    """The rows to fetch and process, as (row_index, url), lowest row first."""
    return con.execute(store.sql("videos.todo"), {"retry_failed": retry_failed}).fetchall()


def ingest(
    db_path: str | Path,
    csv_path: str | Path,
    opts: IngestOptions,
    on_start=lambda total: None,
    on_done=lambda row_index, status: None,
    rows: list[Row] | None = None,
    on_warning=lambda message: None,
) -> Summary:
    """Ingest `csv_path` (or its parsed `rows`) into the database at `db_path`; safe to interrupt
    and to run again: finished videos are skipped."""
    started = time.perf_counter()
    if rows is None:
        rows = read_rows(csv_path)  # raises InputError before anything is written
    downloads_here = not opts.scheduler or opts.keep_downloads
    if downloads_here and any(r.url and r.url.lower().startswith(("http://", "https://")) for r in rows):
        check_writable(opts.fetch.videos_dir)
    stop = threading.Event()  # Ctrl-C: downloads in progress give up at their next chunk
    opts = replace(opts, fetch=replace(opts.fetch, stop=stop))
    con = store.connect(db_path)
    # DuckDB keeps written blocks (face crops) cached up to 80% of RAM: the writer's memory then
    # grows by ~40 MB per 1,000 videos. The writer needs little: the cap bounds that growth.
    store.limit_memory(con, WRITER_MEMORY)
    try:
        if not opts.forget_missing_rows:
            refuse_rows_past(con, len(rows))
    except InputError:
        con.close()
        raise
    f = opts.faces
    store.store_settings(con, {Setting.FPS: f.fps, Setting.MAX_FRAMES: f.max_frames, Setting.MIN_FACE: f.min_face,
                               Setting.MODEL: f.model, Setting.HOG_THRESHOLD: f.hog_threshold,
                               Setting.MAIN_ERROR: f.main_error})  # fmt: skip
    summary = Summary(csv_rows=len(rows))
    try:
        summary.new_rows = sync_rows(con, rows, opts.fetch.videos_dir, opts.forget_missing_rows)
        todo = plan(con, opts.retry_failed)
        summary.to_process = len(todo)
        on_start(len(todo))

        def done(row_index: int, status: VideoStatus) -> None:
            summary.done_now[status] += 1
            on_done(row_index, status)

        try:
            _run(con, todo, opts, done, on_warning)
        except (KeyboardInterrupt, duckdb.InterruptException, RuntimeError) as e:
            # Ctrl-C inside a DuckDB call can also surface as RuntimeError("Query interrupted")
            if isinstance(e, RuntimeError) and "interrupt" not in str(e).lower():
                raise
            stop.set()
            summary.interrupted = True
        except NoNetwork as e:
            stop.set()
            summary.offline = str(e)
        find_copies(con)
        store.refresh_quantiles(con)  # changed scores (the sheet's) change the degrees of freedom
        _fill_summary(con, summary)
    except BaseException:  # the people's counts follow the rows kept, whatever stopped the run
        with contextlib.suppress(Exception):
            find_copies(con)
        raise
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    return summary


NETWORK_KINDS = {ErrorKind.DNS, ErrorKind.CONNECTION, ErrorKind.NETWORK, ErrorKind.TIMEOUT}
NO_NETWORK_AFTER = 5  # this many downloads failing for network reasons, and none working: stop


def executor(opts: IngestOptions, claim, on_warning=lambda message: None) -> Executor:
    """The local pool, or the Dask cluster at `opts.scheduler`."""
    if opts.scheduler:
        from influx.ingest.dask_executor import DaskExecutor

        return DaskExecutor(opts.scheduler, opts.fetch, opts.faces, opts.video_timeout, opts.keep_downloads,
                            opts.process, on_warning)  # fmt: skip
    return LocalExecutor(opts.workers, opts.fetch, opts.faces, opts.video_timeout, claim, opts.process)


class _Bytes:
    """Which content (SHA-256) is stored under which row, failed to decode, or is being processed:
    identical bytes behind several URLs are decoded once and stored once, under their lowest row."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.known = dict(con.execute(store.sql("videos.decoded_bytes")).fetchall())  # sha -> row
        undecodable = con.execute(store.sql("videos.undecodable_bytes")).fetchall()
        self.failed = {sha: (ErrorKind.DECODE, error) for sha, error in undecodable}  # sha -> (error_kind, error)
        self.stored_now: set[int] = set()  # rows stored in this run (their faces may still move)
        self.in_flight: dict[str, int] = {}  # sha -> row being processed
        self.waiting: dict[str, list[tuple[int, dict]]] = {}  # sha in flight -> rows fetched meanwhile

    def claim(self, sha: str, row_index: int) -> bool:
        """True: process this row's video; False: its bytes are known, undecodable or in flight."""
        if sha in self.known or sha in self.failed or sha in self.in_flight:
            return False
        self.in_flight[sha] = row_index
        return True


def _run(con, todo, opts: IngestOptions, done, on_warning=lambda message: None) -> None:
    writer = Writer(con)
    seen = _Bytes(con)
    network = {"held": [], "worked": False}  # network failures before any download worked
    queue = list(reversed(todo))
    runner = executor(opts, seen.claim, on_warning)
    try:
        while queue or runner.busy():
            while queue and runner.busy() < runner.slots:
                runner.submit(*queue.pop())
            for got in runner.completed(timeout=1.0):
                if got.fetch_failed:
                    _fetch_failed(got, writer, network, done)
                elif not got.facts:  # lost before it was fetched (a Dask task that killed its workers)
                    writer.failed(got.row_index, *got.error)
                    done(got.row_index, VideoStatus.FAILED)
                else:
                    network["worked"] = True
                    _store(got, writer, seen, done)
                    _release(network, writer, done)
        _release(network, writer, done)  # a few rows, all unreachable: they failed
    finally:
        runner.close()


def _release(network: dict, writer: Writer, done) -> None:
    """Store the network failures held back while it was unknown whether there is a network."""
    for got in network["held"]:
        writer.failed(got.row_index, *got.error)
        done(got.row_index, VideoStatus.FAILED)
    network["held"] = []


def _fetch_failed(got: Outcome, writer: Writer, network: dict, done) -> None:
    kind, error = got.error
    if kind == ErrorKind.DISK_FULL:
        raise StorageError(error)
    if kind == ErrorKind.INTERRUPTED:
        return  # stays pending: the next run fetches it again
    if kind in NETWORK_KINDS and not network["worked"]:  # no network at all? Not a row's fault
        network["held"].append(got)
        if len(network["held"]) >= NO_NETWORK_AFTER:
            raise NoNetwork(f"the first {len(network['held'])} downloads failed for network reasons and none"
                            f" worked ({kind}: {error})")  # fmt: skip
        return
    writer.failed(got.row_index, kind, error)
    done(got.row_index, VideoStatus.FAILED)


def _store(got: Outcome, writer: Writer, seen: _Bytes, done) -> None:
    """Store a fetched row: a decoded video, a failure, or a duplicate of bytes already stored."""
    row, facts, sha = got.row_index, got.facts, got.facts["sha256"]
    if sha in seen.known:
        holder = seen.known[sha]
        if row < holder and holder in seen.stored_now:  # the lowest row holds the faces (Dask may
            writer.move(holder, row, **facts)  # finish a higher row first)
            seen.known[sha] = row
            seen.stored_now.add(row)
        else:
            writer.duplicate(row, holder, **facts)
        done(row, VideoStatus.DUPLICATE)
    elif sha in seen.failed and got.result is None:
        writer.failed(row, *(got.error or seen.failed[sha]), **facts)
        done(row, VideoStatus.FAILED)
    elif got.result is None and got.error is None:  # its bytes are being processed for another row
        seen.waiting.setdefault(sha, []).append((row, facts))
    elif got.result is not None:
        same = sorted([(row, facts), *seen.waiting.pop(sha, [])], key=lambda x: x[0])
        (canonical, canonical_facts), copies = same[0], same[1:]
        seen.known[sha] = canonical
        seen.stored_now.add(canonical)
        seen.in_flight.pop(sha, None)
        done(canonical, writer.video(canonical, got.result, **canonical_facts))
        for dup, dup_facts in copies:
            writer.duplicate(dup, canonical, **dup_facts)
            done(dup, VideoStatus.DUPLICATE)
    else:
        seen.failed[sha] = got.error
        seen.in_flight.pop(sha, None)
        for failed, failed_facts in [(row, facts), *seen.waiting.pop(sha, [])]:
            writer.failed(failed, *got.error, **failed_facts)
            done(failed, VideoStatus.FAILED)


def _fill_summary(con: duckdb.DuckDBPyConnection, summary: Summary) -> None:
    summary.statuses = Counter(dict(con.execute(store.sql("videos.count_statuses")).fetchall()))
    summary.failures = Counter(dict(con.execute(store.sql("videos.count_failures")).fetchall()))
    summary.faces = con.execute(store.sql("videos.count_faces")).fetchone()[0]
