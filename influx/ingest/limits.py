"""What every download shares: its options, its errors, and the pace a server must keep."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from influx.vocabulary import ErrorKind

CHUNK = 1 << 20
MIN_RATE = 1024  # bytes/s: a server sending less than this over a whole --timeout has timed out
USER_AGENT = "influx/0.1 (+https://pypi.org/project/influx)"


class TooSlow(TimeoutError):
    """The server keeps the connection alive but sends next to nothing."""


class FetchError(Exception):
    """The video could not be fetched; `reason` is its error kind (stored in videos.error_kind)."""

    def __init__(self, reason: ErrorKind | str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class FetchOptions:
    videos_dir: Path
    base_dir: Path = Path(".")  # relative local paths are read from here (the CSV's folder)
    # local files are read only inside these folders (the CLI: the CSV's folder and --local-root);
    # None: anywhere (a library caller that trusts its CSV)
    local_roots: tuple[Path, ...] | None = None
    max_bytes: int = 500_000_000
    timeout: float = 30.0
    deadline: float = 900.0  # a download still running after this many seconds fails (timeout)
    retries: int = 3
    backoff: float = 0.5
    cookies: str | None = None  # a cookies.txt for yt-dlp, only when the user passes one
    # set by the ingest on Ctrl-C: downloads give up at the next chunk (None: never; on Dask workers)
    stop: threading.Event | None = field(default=None, compare=False, repr=False)


def should_stop(opts: FetchOptions, wait: float = 0.0) -> bool:
    """Whether the run is stopping (waiting up to `wait` seconds for it, as a backoff)."""
    if opts.stop is None:
        if wait:
            time.sleep(wait)
        return False
    return opts.stop.wait(wait) if wait else opts.stop.is_set()


def overdue(opts: FetchOptions) -> TooSlow:
    return TooSlow(f"the download took over {opts.deadline:g} s (--download-deadline)")


class Pace:
    """Checks, as bytes arrive, that the run is not stopping, the deadline has not passed and the
    server sends at least MIN_RATE over each --timeout."""

    def __init__(self, opts: FetchOptions, ends: float | None):
        self.opts, self.ends = opts, ends
        self.window_start, self.window_size = time.monotonic(), 0  # bytes since window_start

    def arrived(self, n: int) -> None:
        if should_stop(self.opts):
            raise FetchError(ErrorKind.INTERRUPTED, "download interrupted")
        now = time.monotonic()
        if self.ends is not None and now > self.ends:
            raise overdue(self.opts)
        self.window_size += n
        if now - self.window_start > self.opts.timeout:
            if self.window_size < MIN_RATE * self.opts.timeout:
                raise TooSlow(f"the server sent under 1 KB/s for {self.opts.timeout:g} s")
            self.window_start, self.window_size = now, 0
