"""Videos on platforms (YouTube, TikTok, ...): found and downloaded by yt-dlp, within fetch's limits."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from influx.ingest.limits import FetchError, FetchOptions, Pace, TooSlow
from influx.vocabulary import ErrorKind

PLATFORM_HOSTS = (
    "youtube.com", "youtu.be", "instagram.com", "tiktok.com", "facebook.com", "fb.watch",
    "vimeo.com", "twitter.com", "x.com", "snapchat.com", "dailymotion.com", "twitch.tv",
)  # fmt: skip
_QUIET = logging.getLogger("influx.yt_dlp")
_QUIET.disabled = True


def is_platform(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in PLATFORM_HOSTS)


def _yt_dlp(url: str, work: Path, opts: FetchOptions, ends: float | None = None) -> Path:
    """Download through yt-dlp's Python API: no post-processors, no cookies unless given; the
    deadline, the rate floor and Ctrl-C checked as bytes arrive (a progress hook)."""
    import yt_dlp

    if ends is None and opts.deadline:
        ends = time.monotonic() + opts.deadline
    pace, seen, failed = Pace(opts, ends), [0], []

    def progress(d: dict) -> None:
        got = d.get("downloaded_bytes") or 0
        try:
            pace.arrived(max(0, got - seen[0]))
        except (FetchError, TooSlow) as e:
            failed.append(e)
            raise
        seen[0] = got

    params = {
        "outtmpl": str(work / "video.%(ext)s"),
        "format": "best[ext=mp4][vcodec!=none]/best[vcodec!=none]/best",
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "socket_timeout": opts.timeout,
        "retries": opts.retries,
        "max_filesize": opts.max_bytes,
        "postprocessors": [],
        "cachedir": False,
        "restrictfilenames": True,
        "progress_hooks": [progress],
        "logger": _QUIET,  # its errors come back as the exception, not as lines on stderr
    }
    if opts.cookies:
        params["cookiefile"] = opts.cookies
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            ydl.download([url])
    except Exception as e:  # noqa: BLE001 - yt-dlp raises many types (its partial files go with `work`)
        if failed:
            slow = isinstance(failed[0], TooSlow)
            raise (FetchError(ErrorKind.TIMEOUT, str(failed[0])) if slow else failed[0]) from None
        message = str(e).replace("\x1b[0;31mERROR:\x1b[0m ", "").strip()
        raise FetchError(ErrorKind.YT_DLP, f"yt-dlp could not get the video: {message[:300]}") from None
    files = [p for p in work.glob("video.*") if not p.name.endswith((".part", ".ytdl"))]
    if not files:
        raise FetchError(ErrorKind.YT_DLP, "yt-dlp finished but wrote no file (over --max-bytes?)")
    return files[0]
