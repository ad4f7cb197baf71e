"""Worker processes that run `process_video`: crashes traced to the video that caused them, and a
time limit per video."""

from __future__ import annotations

import gc
import os
import signal
import time
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from influx.faces.extract import FaceOptions, VideoError, VideoResult, process_video
from influx.vocabulary import ErrorKind

MAX_CRASHES = 2  # a video that kills its worker this many times when running alone is marked failed

# A forked worker must never finalize the parent's objects: a DuckDB connection the parent had
# dropped but not yet garbage-collected segfaulted the worker whose collector found it (tests that
# run commands in one process, then ingest). Frozen at the fork, they are the parent's alone.
os.register_at_fork(before=gc.freeze, after_in_parent=gc.unfreeze)


def _init() -> None:
    """Ctrl-C is the parent's to handle. (OpenCV's thread count is left alone: changing it in a
    forked child can deadlock on the parent's thread pool.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _processes(pool: ProcessPoolExecutor) -> list:
    return list((getattr(pool, "_processes", None) or {}).values())


def _kill(processes: list) -> None:
    """Kill worker processes; their pool then fails its pending work with BrokenProcessPool."""
    for p in processes:
        if p.is_alive():
            p.kill()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down now: queued work is cancelled and running workers are killed."""
    processes = _processes(pool)  # read first: shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    _kill(processes)


def _transfer(source: Future, target: Future) -> None:
    if source.cancelled():  # the pool was shut down with the run
        target.set_exception(BrokenProcessPool("cancelled"))
        return
    exc = source.exception()
    if exc is None:
        target.set_result(source.result())
    else:
        target.set_exception(exc)


class Workers:
    """A pool of `n` processes, plus one-process pools (at most `n` at a time) for suspect videos.

    A crash breaks the whole pool, so every video in it becomes a suspect and is retried alone,
    where a crash can only be its own. A video still running after `timeout` seconds (0: never)
    has its pool killed and fails as too slow; the other videos of that pool are retried as before.
    """

    def __init__(self, n: int, faces: FaceOptions, timeout: float = 0.0, target=process_video):
        # each worker decodes single-threaded: the pool already uses every core
        self.n, self.faces, self.timeout = max(1, n), replace(faces, decoder_threads=1), timeout
        self.target = target  # the per-video function: process_video (tests pass misbehaving ones)
        self.shared = self._pool(self.n)
        self.jobs: dict[Future, tuple[int, bool, ProcessPoolExecutor]] = {}  # row, alone?, pool
        self.suspects: set[int] = set()
        self.crashes: Counter = Counter()  # crashes while running alone
        self.started: dict[Future, float] = {}
        self.overran: set[Future] = set()
        self.killed: set[ProcessPoolExecutor] = set()  # pools killed because a video overran
        self.backlog: list[tuple[Future, Path]] = []  # suspects waiting for a one-process pool

    def submit(self, row_index: int, path: Path) -> Future:
        if row_index not in self.suspects:
            fut = self.shared.submit(self.target, path, self.faces)
            self.jobs[fut] = (row_index, False, self.shared)
            return fut
        fut = Future()  # completed from the one-process pool's future once it runs
        self.jobs[fut] = (row_index, True, None)
        self.backlog.append((fut, path))
        self._start_alone()
        return fut

    def _start_alone(self) -> None:
        while self.backlog and sum(1 for _, alone, pool in self.jobs.values() if alone and pool) < self.n:
            fut, path = self.backlog.pop(0)
            pool = self._pool(1)
            self.jobs[fut] = (self.jobs[fut][0], True, pool)
            fut.set_running_or_notify_cancel()
            pool.submit(self.target, path, self.faces).add_done_callback(lambda done, fut=fut: _transfer(done, fut))

    def outcome(self, fut: Future) -> VideoResult | tuple[str, str] | None:
        """The finished job's result, (error_kind, error) if it failed, or None: submit it again."""
        row_index, alone, pool = self.jobs.pop(fut)
        self.started.pop(fut, None)
        try:
            if fut in self.overran:
                self.overran.discard(fut)
                self._replace(pool)
                return ErrorKind.TOO_SLOW, f"processing took over {self.timeout:g} s (--video-timeout)"
            return fut.result()
        except BrokenProcessPool:
            self._replace(pool)
            if pool in self.killed:  # a pool-mate overran: this video is not to blame
                return None
            if not alone:
                self.suspects.add(row_index)
                return None
            self.crashes[row_index] += 1
            if self.crashes[row_index] < MAX_CRASHES:
                return None
            return ErrorKind.CRASH, "decoding crashed the worker process"
        except VideoError as e:
            return ErrorKind.DECODE, str(e)
        except Exception as e:  # noqa: BLE001 - e.g. OpenCV errors on hostile files
            return ErrorKind.DECODE, f"{type(e).__name__}: {e}"
        finally:
            if alone:
                _stop(pool)
                self._start_alone()

    def watch(self) -> None:
        """Kill the pool of any video running for longer than the time limit."""
        if not self.timeout:
            return
        now = time.monotonic()
        for fut, (_, _, pool) in self.jobs.items():
            if pool is None:  # waiting in the backlog
                continue
            if fut.running():
                self.started.setdefault(fut, now)
            if pool not in self.killed and now - self.started.get(fut, now) > self.timeout:
                self.overran.add(fut)
                self.killed.add(pool)
                _kill(_processes(pool))

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        if pool is self.shared:
            _stop(pool)
            self.shared = self._pool(self.n)

    def _pool(self, n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n, initializer=_init)

    def stop(self) -> None:
        for pool in {self.shared, *(p for _, _, p in self.jobs.values() if p is not None)}:
            _stop(pool)
