"""The `influx` command: a thin click layer over the library modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from . import db
from .csv_input import InputError, read_rows
from .faces import FaceOptions
from .fetch import FetchOptions
from .ingest import IngestOptions, Summary, ingest

console = Console(stderr=True)
DEFAULT_DB = "influx.duckdb"


def db_option(f):
    return click.option(
        "--db",
        "db_path",
        default=DEFAULT_DB,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="The influx DuckDB file.",
    )(f)


def fail(message: str, code: int = 2):
    console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


@click.group()
@click.version_option(package_name="influx")
def cli():
    """influx: who are the people in these influencer videos, and how well do they perform?"""


def ingest_options(f):
    options = [
        click.option("--videos-dir", type=click.Path(file_okay=False),
                     help="Where downloads go (default: videos/ beside the database)."),
        click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
                     show_default=True, help="Videos processed in parallel."),
        click.option("--fps", type=click.FloatRange(0.01, 60), default=FaceOptions.fps,
                     show_default=True, help="Frames sampled per second of video."),
        click.option("--max-frames", type=click.IntRange(1, 100_000),
                     default=FaceOptions.max_frames, show_default=True,
                     help="At most this many frames per video, spread over its length."),
        click.option("--min-face", type=click.IntRange(20, 1000), default=FaceOptions.min_face,
                     show_default=True, help="Smallest face to find, in pixels."),
        click.option("--model", type=click.Choice(["hog", "cnn"]), default="hog",
                     show_default=True, help="Face detector (cnn is only practical on a GPU)."),
        click.option("--max-bytes", type=click.IntRange(1), default=FetchOptions.max_bytes,
                     show_default=True, help="Largest video to download."),
        click.option("--timeout", type=click.FloatRange(0.1), default=FetchOptions.timeout,
                     show_default=True, help="Network timeout in seconds."),
        click.option("--retries", type=click.IntRange(0, 20), default=FetchOptions.retries,
                     show_default=True, help="Retries of a failed download (with backoff)."),
        click.option("--retry-failed", is_flag=True, help="Try the failed rows again."),
        click.option("--cookies", type=click.Path(exists=True, dir_okay=False),
                     help="A cookies.txt file for yt-dlp (platform links that need a login)."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _ingest_opts(db_path, csv_path, kw) -> IngestOptions:
    videos_dir = Path(kw["videos_dir"]) if kw["videos_dir"] else Path(db_path).parent / "videos"
    return IngestOptions(
        fetch=FetchOptions(
            videos_dir=videos_dir,
            base_dir=Path(csv_path).resolve().parent,
            max_bytes=kw["max_bytes"],
            timeout=kw["timeout"],
            retries=kw["retries"],
            cookies=kw["cookies"],
        ),
        faces=FaceOptions(
            fps=kw["fps"], max_frames=kw["max_frames"], min_face=kw["min_face"], model=kw["model"]
        ),
        workers=kw["workers"],
        retry_failed=kw["retry_failed"],
    )


def run_ingest(db_path: str, csv_path: str, kw: dict) -> Summary:
    """Ingest with a progress bar; exit 2 on a bad CSV or a busy database."""
    opts = _ingest_opts(db_path, csv_path, kw)
    try:
        rows = read_rows(csv_path)
    except InputError as e:
        fail(str(e))
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
    task = progress.add_task("ingest", total=None, counts="")
    counts = {"ok": 0, "failed": 0, "no_faces": 0, "duplicate": 0}

    def on_start(total):
        progress.update(task, total=total)

    def on_done(row_index, status):
        counts[status] = counts.get(status, 0) + 1
        text = f"ok {counts['ok']} · failed {counts['failed']} · no faces {counts['no_faces']}"
        if counts["duplicate"]:
            text += f" · duplicate {counts['duplicate']}"
        progress.update(task, advance=1, counts=text)

    try:
        with progress:
            summary = ingest(db_path, csv_path, opts, on_start, on_done, rows=rows)
    except db.DatabaseInUse as e:
        fail(str(e))
    except OSError as e:
        fail(f"{e.filename or ''}: {e.strerror or e}")
    print_ingest_summary(summary, db_path)
    if summary.interrupted:
        console.print("[yellow]Interrupted:[/] finished videos are stored; run again to resume.")
        sys.exit(130)
    return summary


def print_ingest_summary(s: Summary, db_path: str) -> None:
    table = Table(title=f"influx ingest → {db_path}", show_header=True, title_justify="left")
    table.add_column("videos")
    table.add_column("in database", justify="right")
    table.add_column("this run", justify="right")
    for status in ("ok", "no_faces", "duplicate", "failed", "pending"):
        if s.statuses.get(status) or s.done_now.get(status):
            table.add_row(status, str(s.statuses.get(status, 0)), str(s.done_now.get(status, 0)))
    console.print(table)
    console.print(
        f"CSV rows {s.csv_rows} (new {s.new_rows}) · processed now {sum(s.done_now.values())}"
        f" of {s.to_process} · faces stored {s.faces} · {s.seconds:.1f} s"
    )
    if s.failures:
        reasons = ", ".join(f"{k} {v}" for k, v in s.failures.most_common())
        console.print(f"failures by reason: {reasons}  (see: influx sql \"SELECT row_index,"
                      " error FROM videos WHERE status = 'failed'\")")  # fmt: skip


@cli.command("ingest")
@click.argument("csv_path", type=click.Path(dir_okay=False))
@db_option
@ingest_options
def ingest_cmd(csv_path, db_path, **kw):
    """Download the videos of CSV_PATH and store their faces in the database."""
    run_ingest(db_path, csv_path, kw)


def main():
    cli()
