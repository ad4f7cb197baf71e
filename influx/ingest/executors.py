"""Executors: where rows are fetched and their videos processed. The ingest submits rows, stores the
outcomes as they complete, and does not know which executor ran them.

- `LocalExecutor`: download threads and a pool of worker processes on this machine; a download
  whose bytes are already known (or being processed) is not decoded again.
- `DaskExecutor` (`influx ingest --scheduler`): every row is one task on a Dask distributed cluster;
  the worker downloads the video itself, processes it and sends back only the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from influx.faces.extract import FaceOptions, VideoResult, process_video
from influx.ingest.fetch import fetch
from influx.ingest.limits import FetchError, FetchOptions
from influx.ingest.workers import Workers
from influx.vocabulary import ErrorKind


@dataclass
class Outcome:
    """What became of one row. `facts` (sha256, bytes, local_path, download_s) are empty when the
    download failed; then `error` is (error_kind, message) and `fetch_failed` is true. A row fetched
    but not processed, because its bytes are known or already being processed, has neither `result`
    nor `error`."""

    row_index: int
    facts: dict = field(default_factory=dict)
    result: VideoResult | None = None
    error: tuple[str, str] | None = None
    fetch_failed: bool = False
    restart: str | None = None  # a Dask worker left with a hung decoder thread: restart it


class Executor(Protocol):
    slots: int  # rows to keep in flight (backpressure: the ingest submits no more than this)

    def submit(self, row_index: int, url: str) -> None: ...

    def completed(self, timeout: float) -> list[Outcome]:
        """Outcomes finished since the last call, waiting up to `timeout` seconds for one."""
        ...

    def busy(self) -> int:
        """Rows submitted whose outcome has not been returned yet."""
        ...

    def close(self) -> None:
        """Stop: cancel what is queued, stop what runs."""
        ...


def fetch_row(row_index: int, url: str, opts: FetchOptions) -> Outcome:
    """Download (or find) the row's video and hash it; a failure is an Outcome, not an exception."""
    started = time.perf_counter()
    try:
        got = fetch(url, row_index, opts)
        if got.bytes == 0:
            raise FetchError(ErrorKind.EMPTY, f"the file is empty (0 bytes): {got.path}")
    except FetchError as e:
        return Outcome(row_index, error=(e.reason, str(e)), fetch_failed=True)
    except Exception as e:  # noqa: BLE001 - a bug or an OS error: the row fails, the run goes on
        return Outcome(row_index, error=(ErrorKind.FETCH, f"{type(e).__name__}: {e}"), fetch_failed=True)
    facts = {"sha256": got.sha256, "bytes": got.bytes, "local_path": str(got.path),
             "download_s": time.perf_counter() - started}  # fmt: skip
    return Outcome(row_index, facts)


class LocalExecutor:
    """Download threads feeding a pool of worker processes (crash isolation and a time limit per
    video: see `workers.Workers`). `claim(sha256, row_index)` is asked once a download is hashed:
    False means its bytes are known or being processed, and the video is not decoded again."""

    def __init__(self, workers: int, fetch_opts: FetchOptions, faces: FaceOptions, video_timeout: float,
                 claim: Callable[[str, int], bool] = lambda sha, row: True, target=process_video):  # fmt: skip
        self.n = max(1, workers)
        self.slots = 2 * self.n + 2
        self.fetch_opts, self.claim = fetch_opts, claim
        self.fetchers = ThreadPoolExecutor(max_workers=self.n + 2, thread_name_prefix="fetch")
        self.workers = Workers(self.n, faces, video_timeout, target=target)
        self.fetching: dict[Future, int] = {}
        self.processing: dict[Future, Outcome] = {}
        self.tick = 1.0 if video_timeout else None

    def submit(self, row_index: int, url: str) -> None:
        self.fetching[self.fetchers.submit(fetch_row, row_index, url, self.fetch_opts)] = row_index

    def busy(self) -> int:
        return len(self.fetching) + len(self.processing)

    def completed(self, timeout: float) -> list[Outcome]:
        finished, _ = wait(list(self.fetching) + list(self.processing),
                           timeout=min(timeout, self.tick or timeout), return_when=FIRST_COMPLETED)  # fmt: skip
        self.workers.watch()
        out = []
        for fut in finished:
            if fut in self.fetching:
                del self.fetching[fut]
                got: Outcome = fut.result()
                if got.fetch_failed or not self.claim(got.facts["sha256"], got.row_index):
                    out.append(got)
                else:
                    self._process(got)
                continue
            got = self.processing.pop(fut)
            result = self.workers.outcome(fut)
            if result is None:  # its pool broke: run it again (alone if it may be the cause)
                self._process(got)
            elif isinstance(result, VideoResult):
                out.append(Outcome(got.row_index, got.facts, result=result))
            else:
                out.append(Outcome(got.row_index, got.facts, error=result))
        return out

    def _process(self, got: Outcome) -> None:
        self.processing[self.workers.submit(got.row_index, got.facts["local_path"])] = got

    def close(self) -> None:
        self.fetchers.shutdown(wait=False, cancel_futures=True)
        self.workers.stop()
