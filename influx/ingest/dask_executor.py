"""Ingest on a Dask distributed cluster (`influx ingest --scheduler tcp://host:8786`).

Each row is one task. The worker downloads the video itself (into a temporary folder removed
afterwards, unless the user named a shared --videos-dir), processes it and returns only the
result: faces, embeddings, crops, stream facts and the content hash. The ingest process stays the
only writer. Faults are Dask's to handle: a worker that dies mid-video (a decoder crash, a lost
machine) is restarted by its nanny and the task runs again elsewhere; a video that kills every
worker it touches (`distributed.scheduler.allowed-failures`, 3 by default) ends as failed / crash.
A video still running after --video-timeout fails as too_slow and its worker is restarted (the
only way to stop a hung decoder).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from pathlib import Path

from influx.faces.extract import FaceOptions, VideoError, process_video
from influx.ingest.executors import Outcome, fetch_row
from influx.ingest.limits import FetchOptions
from influx.store.connection import first_line as db_first_line
from influx.vocabulary import ErrorKind

CONNECT_TIMEOUT = "10s"
NO_WORKERS_WARNING_S = 30  # no worker, or no answer from the scheduler, this long is said (the run waits on)


class SchedulerLost(Exception):
    """The Dask scheduler cannot be reached, or went away during the run."""


def check_address(address: str) -> None:
    """Raise ValueError, with the expected form, unless `address` reads as a scheduler's address."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)  # a transport Dask knows
        if scheme != "inproc":
            parse_host_port(location)
    except ValueError as e:
        example = "tcp://10.0.0.5:8786"
        raise ValueError(f"--scheduler {address!r} is not a Dask scheduler address like {example} ({e})") from None


def _process(target, path: Path, faces: FaceOptions, timeout: float):
    """target(path, faces) with a time limit: the result, or (error_kind, error) as the local pool gives."""
    runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="influx-video")
    try:
        return runner.submit(target, path, faces).result(timeout=timeout or None)
    except FutureTimeout:
        return ErrorKind.TOO_SLOW, f"processing took over {timeout:g} s (--video-timeout)"
    except VideoError as e:
        return ErrorKind.DECODE, str(e)
    except Exception as e:  # noqa: BLE001 - e.g. OpenCV errors on hostile files
        return ErrorKind.DECODE, f"{type(e).__name__}: {e}"
    finally:
        runner.shutdown(wait=False)  # a hung decoder keeps its thread until the worker restarts


@functools.cache
def undo_nanny_malloc_trim() -> bool:
    """Let this worker process keep freed memory for reuse, as a plain process does.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (its pre-spawn-environ), which
    also stops glibc from raising its mmap threshold: every frame-sized array (a 1080p frame is
    6 MB; each frame makes dozens) is then mapped and unmapped afresh, page by page. On
    bench/distributed.py that made processing 1.5x slower on Dask workers than in the local pool
    (Dask / local 1.43x; 1.03x with glibc's usual behaviour). Returns whether it changed anything.
    """
    if not os.environ.get("MALLOC_TRIM_THRESHOLD_") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl): the variable means nothing there
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    # glibc's own ceiling for its sliding mmap threshold (64-bit), and a trim threshold that keeps
    # a few frames' worth of freed memory for the next video
    return bool(libc.mallopt(m_mmap_threshold, 32 * 2**20) and libc.mallopt(m_trim_threshold, 128 * 2**20))


def dask_setup(worker=None) -> None:
    """`dask worker --preload influx.dask_executor`: import influx and load the default face models
    when the worker starts, not at its first video (~2 s a worker); optional."""
    undo_nanny_malloc_trim()
    from influx.faces.models.registry import default_model, ready

    ready(default_model())


@contextlib.contextmanager
def _seceded():
    """Out of the worker's thread pool for a while: a download waits on the network, not the CPU,
    so the worker processes another row meanwhile (the local pool downloads ahead in threads)."""
    from distributed import get_worker, rejoin, secede

    try:
        get_worker()
    except ValueError:  # not on a worker (bench/distributed.py measures result sizes in-process)
        yield
        return
    secede()
    try:
        yield
    finally:
        rejoin()


def run_row(row_index: int, url: str, fetch_opts: FetchOptions, faces: FaceOptions, video_timeout: float,
            keep_downloads: bool, target=process_video) -> Outcome:  # fmt: skip
    """The task a Dask worker runs for one row: fetch, hash, process; returns the outcome only."""
    undo_nanny_malloc_trim()
    tmp = None
    if not keep_downloads:
        tmp = Path(tempfile.mkdtemp(prefix="influx-"))
        fetch_opts = replace(fetch_opts, videos_dir=tmp)
    try:
        with _seceded():
            got = fetch_row(row_index, url, fetch_opts)
        if got.fetch_failed:
            return got
        path = Path(got.facts["local_path"])
        if tmp is not None and path.is_relative_to(tmp):
            got.facts["local_path"] = None  # removed with the temporary folder
        result = _process(target, path, faces, video_timeout)
        if isinstance(result, tuple):
            got.error = result
            if result[0] == ErrorKind.TOO_SLOW:
                from distributed import get_worker

                got.restart = get_worker().address
        else:
            got.result = result
        return got
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


class NoWorkerWatch:
    """A run waits for workers; when the cluster has had none, or its scheduler has not answered,
    for NO_WORKERS_WARNING_S, say so (again every 5 minutes) rather than wait silently."""

    def __init__(self, address: str, warn, clock=time.monotonic):
        self.address, self.warn, self.clock = address, warn, clock
        self.trouble_since: float | None = None
        self.checked_at = self.warned_at = -math.inf

    def check(self, identity) -> None:
        """`identity()`: the scheduler's answer, asked with a time limit (a frozen one never answers)."""
        now = self.clock()
        if now - self.checked_at < 5:
            return
        self.checked_at = now
        try:
            trouble = None if identity().get("n_workers") else "has had no worker"
        except (OSError, TimeoutError):
            trouble = "has not answered"
        if trouble is None:
            self.trouble_since, self.warned_at = None, -math.inf  # a later outage is said after 30 s again
            return
        self.trouble_since = self.trouble_since or now
        if now - self.trouble_since >= NO_WORKERS_WARNING_S and now - self.warned_at >= 300:
            self.warned_at = now
            self.warn(f"the Dask cluster at {self.address} {trouble} for {now - self.trouble_since:.0f} s: the run"
                      f" waits (start a worker: dask worker {self.address}; or press Ctrl-C, the finished videos"
                      " are kept)")  # fmt: skip


class DaskExecutor:
    """Rows as tasks on the cluster behind `address`, at most `slots` in flight."""

    def __init__(self, address: str, fetch_opts: FetchOptions, faces: FaceOptions, video_timeout: float,
                 keep_downloads: bool, target=process_video, on_warning=lambda message: None):  # fmt: skip
        import dask
        from distributed import Client

        check_address(address)
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT}):
                self.client = Client(address, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise SchedulerLost(f"cannot reach the Dask scheduler at {address}: {e}") from None
        self.address = address
        # a Dask worker thread decodes single-threaded, as local workers do: the cluster fills the cores
        # (a worker stops with its task: no stop event travels; it could not be pickled anyway)
        self.args = (replace(fetch_opts, stop=None), replace(faces, decoder_threads=1), video_timeout,
                     keep_downloads, target)  # fmt: skip
        threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        self.slots = max(4, 2 * threads + 2)
        self.futures: dict = {}  # future -> row_index
        self.submitted = 0
        self.watch = NoWorkerWatch(address, on_warning)

    def submit(self, row_index: int, url: str) -> None:
        self.submitted += 1  # a key of its own each time (a row may be submitted by a later run again)
        key = f"influx-row-{row_index}-{self.submitted}-{time.time_ns()}"
        self.futures[self.client.submit(run_row, row_index, url, *self.args, key=key, pure=False)] = row_index

    def busy(self) -> int:
        return len(self.futures)

    def completed(self, timeout: float) -> list[Outcome]:
        from distributed import KilledWorker, wait
        from distributed.client import FuturesCancelledError

        if self.client.status != "running":
            raise SchedulerLost(f"lost the Dask scheduler at {self.address} (client {self.client.status})")
        if not self.futures:
            return []
        try:
            with self.client.as_current():
                done, _ = wait(list(self.futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            self.watch.check(lambda: self.client.sync(self.client.scheduler.identity, n_workers=0, callback_timeout=5))
            return []
        except (FuturesCancelledError, OSError) as e:
            raise SchedulerLost(f"lost the Dask scheduler at {self.address}: {db_first_line(e)}") from None
        out = []
        for fut in done:
            row_index = self.futures.pop(fut)
            if fut.status == "finished":
                got = fut.result()
                if got.restart:
                    self.client.restart_workers([got.restart], raise_for_error=False)
                    got.restart = None
                out.append(got)
            elif fut.status == "cancelled":
                raise SchedulerLost(f"the Dask scheduler at {self.address} dropped the task of row {row_index}")
            else:
                exc = fut.exception()
                if isinstance(exc, KilledWorker):
                    killed = (ErrorKind.CRASH, "the video killed every Dask worker that tried it")
                    out.append(Outcome(row_index, error=killed))
                else:
                    out.append(Outcome(row_index, error=(ErrorKind.FETCH, f"{type(exc).__name__}: {exc}")))
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the scheduler may be gone already
            self.client.cancel(list(self.futures), force=True)
        with contextlib.suppress(Exception):
            self.client.close(timeout=5)
