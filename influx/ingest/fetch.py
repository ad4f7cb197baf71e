"""Get one video onto local disk: plain HTTP for direct links, yt-dlp for platforms, local paths in place."""

from __future__ import annotations

import errno
import http.client
import os
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from influx.ingest import deadline
from influx.ingest.downloads import TEMP_PREFIX, Fetched, NoName, existing, keep, sha256_file
from influx.ingest.limits import CHUNK, USER_AGENT, FetchError, FetchOptions, Pace, TooSlow, overdue, should_stop
from influx.ingest.platforms import _yt_dlp, is_platform
from influx.vocabulary import ErrorKind, http_kind

MAX_PAGE = 5 << 20  # a web page (for yt-dlp to find a video in) larger than this is refused
# how video files start (MP4/MOV boxes at byte 4; Matroska/WebM, FLV, AVI, MPEG-PS): a server that
# labels a video text/html still gets it stored as a video
MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
VIDEO_MAGIC = (b"\x1a\x45\xdf\xa3", b"FLV\x01", b"RIFF", b"\x00\x00\x01\xba")


def fetch(url: str, row_index: int, opts: FetchOptions) -> Fetched:
    """Return a local file holding the video of `url`, with its SHA-256. Raises FetchError with a
    readable reason. A download from an earlier run is reused only when its `.source` record
    says it came from this very URL and its bytes are unchanged."""
    if any(c in url for c in "\r\n\t\x00"):
        raise FetchError(ErrorKind.INPUT, "the URL contains a line break, tab or NUL character")
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file" or scheme == "" or (len(scheme) == 1 and url[1:3] in (":\\", ":/")):
        path = _local(url, parts, opts)
        return Fetched(path, *sha256_file(path))
    if scheme not in ("http", "https"):
        raise FetchError(
            ErrorKind.UNSUPPORTED_SCHEME,
            f"unsupported URL scheme {scheme!r} (use http, https, file:// or a local path)",
        )
    opts.videos_dir.mkdir(parents=True, exist_ok=True)
    done = existing(url, row_index, opts.videos_dir)
    if done is not None:
        return done
    # Every partial file lives in a fresh folder of influx's own, removed afterwards: nothing of
    # the user's can be overwritten or deleted by a download, whatever its name.
    work = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{row_index}-", dir=opts.videos_dir))
    try:
        path = _yt_dlp(url, work, opts) if is_platform(url) else _http(url, work, opts)
        return keep(path, url, row_index, opts.videos_dir)
    except NoName as e:
        raise FetchError(ErrorKind.FETCH, str(e)) from None
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise FetchError(ErrorKind.DISK_FULL, f"no space left on the disk of {opts.videos_dir}") from None
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _local(url: str, parts: urllib.parse.SplitResult, opts: FetchOptions) -> Path:
    """A local file named by the CSV, read in place: only inside the allowed folders (the CSV's
    and --local-root), symbolic links and `..` resolved first, so a CSV's author cannot make
    influx read the reader's other files (`/etc/shadow`, `~/.ssh/...`, a private video)."""
    if parts.scheme.lower() == "file" and parts.netloc not in ("", "localhost"):
        raise FetchError(ErrorKind.UNSUPPORTED_SCHEME, f"a file:// URL on another host ({parts.netloc!r}) is not read")
    raw = urllib.request.url2pathname(parts.path) if parts.scheme.lower() == "file" else url
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = opts.base_dir / path
    if opts.local_roots is not None:
        real = path.resolve()
        roots = [Path(root).resolve() for root in opts.local_roots]
        if not any(real.is_relative_to(root) for root in roots):
            where = " or ".join(str(root) for root in roots) or "no folder"
            raise FetchError(ErrorKind.OUTSIDE_ROOT, f"the local file {path} is outside the folders influx reads"
                             f" ({where}): refused; allow its folder with --local-root")  # fmt: skip
    if not path.is_file():
        raise FetchError(ErrorKind.NOT_FOUND, f"local file not found: {path}")
    return path


def _retryable(error: Exception) -> bool:
    if isinstance(getattr(error, "reason", error), socket.gaierror):  # a name that does not resolve
        return False  # now will not resolve in a second either (no network, no DNS, no such host)
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500 or error.code in (408, 425, 429)
    return isinstance(
        error,
        socket.timeout | TimeoutError | ConnectionError | http.client.HTTPException | OSError,
    )


def _http(url: str, work: Path, opts: FetchOptions) -> Path:
    final, part = work / "video.mp4", work / "video.mp4.part"
    last: Exception | None = None
    ends = time.monotonic() + opts.deadline if opts.deadline else None  # for every attempt together
    late = FetchError(ErrorKind.TIMEOUT, str(overdue(opts)))
    for attempt in range(opts.retries + 1):
        if attempt and should_stop(opts, opts.backoff * 2 ** (attempt - 1)):
            break
        if ends is not None and time.monotonic() >= ends:
            raise late
        try:
            html = _http_once(url, part, opts, ends)
        except FetchError:
            part.unlink(missing_ok=True)
            raise
        except Exception as e:  # noqa: BLE001 - classified below
            part.unlink(missing_ok=True)
            if ends is not None and time.monotonic() >= ends:
                raise late from None
            last = e
            if isinstance(e, OSError) and e.errno == errno.ENOSPC:
                raise FetchError(ErrorKind.DISK_FULL, f"no space left on the disk of {opts.videos_dir}") from None
            if isinstance(e, urllib.error.HTTPError) and e.code in (301, 302, 303, 307, 308):
                if "not allowed" in str(e):  # urllib refuses redirects to other schemes (file:, ftp:)
                    refused = f"refused a redirect to another scheme ({e})"
                    raise FetchError(ErrorKind.REDIRECT_REFUSED, refused) from None
                raise FetchError(ErrorKind.REDIRECT_LOOP, f"too many redirects ({e})") from None
            if not _retryable(e):
                break
            continue
        if html:
            # A "direct" link that serves a web page: maybe a platform page yt-dlp understands.
            return _yt_dlp(url, work, opts, ends)
        os.replace(part, final)
        return final
    raise _describe(last, opts.retries, should_stop(opts)) from None


def _describe(error: Exception | None, retries: int, stopped: bool = False) -> FetchError:
    tries = f" after {retries + 1} attempt{'s' if retries else ''}" if _retryable(error) else ""
    if stopped:
        return FetchError(ErrorKind.INTERRUPTED, "download interrupted")
    if isinstance(error, urllib.error.HTTPError):
        return FetchError(http_kind(error.code), f"HTTP {error.code} {error.reason}{tries}")
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, Exception) else error
    if isinstance(error, socket.gaierror):
        return FetchError(ErrorKind.DNS, f"cannot resolve the host name (no network, or no DNS?): {error}{tries}")
    if isinstance(error, TooSlow):
        return FetchError(ErrorKind.TIMEOUT, f"{error}{tries}")
    if isinstance(error, socket.timeout | TimeoutError):
        return FetchError(ErrorKind.TIMEOUT, f"timed out{tries}")
    if isinstance(error, ConnectionError | http.client.HTTPException):
        return FetchError(ErrorKind.CONNECTION, f"connection failed: {error!r}{tries}")
    return FetchError(ErrorKind.NETWORK, f"download failed: {error}{tries}")


def _http_once(url: str, part: Path, opts: FetchOptions, ends: float | None) -> bool:
    """Stream `url` into `part`, by `ends` (a time.monotonic()). Returns True when the server sent
    an HTML page instead of a video."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    watch = deadline.Watch(ends)
    try:
        html = _stream(deadline.opener(watch), request, part, opts, ends)
    except Exception:
        if not watch.expired:
            raise
    finally:
        watch.close()
    if watch.expired:  # whatever the cut-off connection looked like (an empty body, a reset)
        raise overdue(opts)
    return html


def _stream(opener, request, part: Path, opts: FetchOptions, ends: float | None) -> bool:
    with opener.open(request, timeout=opts.timeout) as response:
        kind = (response.headers.get("Content-Type") or "").lower()
        head = response.read(16) if "text/html" in kind else b""  # a video served as a web page?
        if head and not head.startswith(VIDEO_MAGIC) and head[4:8] not in MP4_BOXES:
            # a web page: read here, within the limits, before yt-dlp reads it whole into memory
            page, pace = len(head), Pace(opts, ends)
            while chunk := response.read1(CHUNK):
                page += len(chunk)
                pace.arrived(len(chunk))
                if page > MAX_PAGE:
                    large = f"a web page of over {MAX_PAGE >> 20} MB where a video was expected"
                    raise FetchError(ErrorKind.TOO_LARGE, large)
            return True
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > opts.max_bytes:
            raise FetchError(ErrorKind.TOO_LARGE, f"file is {int(length):,} bytes, over --max-bytes {opts.max_bytes:,}")
        size = len(head)
        pace = Pace(opts, ends)
        with open(part, "wb") as out:
            out.write(head)
            while chunk := response.read1(CHUNK):  # what has arrived, not a full CHUNK
                size += len(chunk)
                pace.arrived(len(chunk))
                if size > opts.max_bytes:
                    raise FetchError(ErrorKind.TOO_LARGE, f"file is over --max-bytes {opts.max_bytes:,}")
                out.write(chunk)
        if length and length.isdigit() and size < int(length):
            raise http.client.IncompleteRead(b"", int(length) - size)
    if size == 0:
        raise FetchError(ErrorKind.EMPTY, "the server sent an empty body (0 bytes)")
    return False
