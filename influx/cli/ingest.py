"""The `influx ingest`, `run` and `demo` commands."""

from __future__ import annotations

import signal
from pathlib import Path

import click
import duckdb
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

from influx import store
from influx.cli.base import ExitCode, console, db_option, exit_code, exit_now, fail, open_rw, say
from influx.cli.cluster import cluster_options, run_cluster
from influx.cli.ingest_options import ingest_options, ingest_opts
from influx.cli.report import run_report
from influx.ingest.csv_input import InputError, read_table
from influx.ingest.dask_executor import SchedulerLost, check_address
from influx.ingest.pipeline import WORKERS, StorageError, Summary, ingest
from influx.ingest.rows import refuse_rows_past
from influx.output import display, plural
from influx.vocabulary import Setting, VideoStatus


def run_ingest(db_path: str, csv_path: str, kw: dict) -> Summary:
    """Ingest with a progress bar; exit 2 on a bad CSV or a busy database."""
    opts = ingest_opts(db_path, csv_path, kw)
    try:
        rows, numbers = read_table(csv_path)
    except InputError as e:
        fail(str(e))
    if not Path(db_path).parent.is_dir():
        fail(f"the folder of {db_path} does not exist")
    if opts.scheduler:
        try:
            check_address(opts.scheduler)
        except ValueError as e:
            fail(str(e))
    if Path(db_path).exists():  # a database that cannot be used is refused before the progress bar starts
        try:
            con = store.connect(db_path)
            try:
                if not kw["forget_missing_rows"]:
                    refuse_rows_past(con, len(rows))
            finally:
                con.close()
        except (store.DatabaseInUse, store.BadDatabase, InputError) as e:
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
        disable=not console.is_terminal,  # a log or a pipe gets the summary, not a cut-off bar
    )
    task = progress.add_task("ingest", total=None, counts="")
    counts = dict.fromkeys((VideoStatus.OK, VideoStatus.FAILED, VideoStatus.NO_FACES, VideoStatus.DUPLICATE), 0)

    def on_start(total):
        progress.update(task, total=total)

    def on_done(row_index, status):
        counts[status] = counts.get(status, 0) + 1
        c = counts
        text = f"ok {c[VideoStatus.OK]} · failed {c[VideoStatus.FAILED]} · no faces {c[VideoStatus.NO_FACES]}"
        if counts[VideoStatus.DUPLICATE]:
            text += f" · duplicate {counts[VideoStatus.DUPLICATE]}"
        progress.update(task, advance=1, counts=text)

    def warn(message):
        progress.console.print(f"[yellow]Warning:[/] {escape(message)}", highlight=False)

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with progress:
            summary = ingest(db_path, csv_path, opts, on_start, on_done, rows=rows, on_warning=warn)
    except (store.DatabaseInUse, store.BadDatabase, InputError, StorageError, SchedulerLost, KeyboardInterrupt,
            duckdb.Error, RuntimeError, OSError) as e:  # fmt: skip
        code = exit_code(e)
        if code == ExitCode.INTERRUPTED:  # before or after the video loop (which handles its own), or inside DuckDB
            console.print("[yellow]Interrupted:[/] nothing half-stored; run again to resume.")
            exit_now(code)
        if isinstance(e, RuntimeError):
            raise
        if isinstance(e, SchedulerLost):
            fail(f"{e}; everything finished so far is stored: run again to resume", code)
        if isinstance(e, duckdb.Error):
            fail(f"database error (the current video was rolled back; run again to resume): {store.first_line(e)}",
                 code)  # fmt: skip
        if isinstance(e, OSError):
            fail(f"{e.filename or ''}: {e.strerror or e}", code)
        fail(str(e), code)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_ingest_summary(summary, db_path)
    say(f"Performance read with {numbers or 'no thousands or decimal separators'} (decided from the whole column)")
    unscored = [r for r in rows if r.performance is None]
    if unscored:  # how many, and the first two reasons
        examples = "; ".join(f"row {r.row_index}: {display(r.error, 90)}" for r in unscored[:2])
        more = "; ..." if len(unscored) > 2 else ""
        say(
            f"{plural(len(unscored), 'row')} without a score, counted in no average ({examples}{more}): influx sql"
            f' --db {db_path} "SELECT row_index, input_error FROM videos WHERE performance IS NULL"'
        )
    if summary.offline:
        pending = summary.statuses.get(VideoStatus.PENDING, 0)
        fail(f"the network is unreachable: {summary.offline}; {pending} rows are still"
             " pending: run the same command again when the network is back to resume", ExitCode.FAILED)  # fmt: skip
    if summary.interrupted:
        console.print("[yellow]Interrupted:[/] finished videos are stored; run again to resume.")
        exit_now(ExitCode.INTERRUPTED)
    return summary


READ = (VideoStatus.OK, VideoStatus.NO_FACES, VideoStatus.DUPLICATE)


def fail_if_nothing_worked(summary: Summary, db_path: str) -> None:
    """Exit 1 when rows were processed in this run and not one of them could be read, or when the
    database holds no video that could be read (a second run with nothing left to try)."""
    worked = sum(summary.done_now[s] for s in READ)
    failed = summary.statuses.get(VideoStatus.FAILED, 0)
    if summary.to_process > 0 and worked == 0:
        reasons = ", ".join(f"{k} {v}" for k, v in summary.failures.most_common()) or "see the database"
        fail(f"no video could be read: {summary.done_now[VideoStatus.FAILED]} failed ({reasons}); the reasons are in"
             f" {db_path}: influx sql --db {db_path} \"SELECT row_index, error FROM videos WHERE status = 'failed'\"",
             ExitCode.FAILED)  # fmt: skip
    if not sum(summary.statuses.get(s, 0) for s in READ) and failed:
        fail(
            f"no video in {db_path} could be read: {failed} rows failed; --retry-failed tries them again",
            ExitCode.FAILED,
        )


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops as cleanly as Ctrl-C


def print_ingest_summary(s: Summary, db_path: str) -> None:
    table = Table(title=f"influx ingest → {db_path}", show_header=True, title_justify="left")
    table.add_column("videos")
    table.add_column("in database", justify="right")
    table.add_column("this run", justify="right")
    for status in (*READ, VideoStatus.FAILED, VideoStatus.PENDING):
        if s.statuses.get(status) or s.done_now.get(status):
            table.add_row(status, str(s.statuses.get(status, 0)), str(s.done_now.get(status, 0)))
    console.print(table)
    console.print(
        f"CSV rows {s.csv_rows} (new {s.new_rows}) · processed now {sum(s.done_now.values())}"
        f" of {s.to_process} · faces stored {s.faces} · {s.seconds:.1f} s"
    )
    earlier = s.statuses.get(VideoStatus.FAILED)
    if s.failures and not s.done_now.get(VideoStatus.FAILED) and earlier:  # failed in an earlier run
        console.print(f"{earlier} failed rows are not tried again: --retry-failed retries them",
                      markup=False, highlight=False)  # fmt: skip
    if s.failures:
        reasons = ", ".join(f"{k} {v}" for k, v in s.failures.most_common())
        console.print(f"failures by reason: {reasons}  (see: influx sql --db {db_path} \"SELECT row_index,"
                      " error FROM videos WHERE status = 'failed'\")", markup=False, highlight=False)  # fmt: skip


@click.command("ingest")
@click.argument("csv_path", type=click.Path(dir_okay=False))
@db_option
@ingest_options
def ingest_cmd(csv_path, db_path, **kw):
    """Download the videos of CSV_PATH and store their faces in the database."""
    summary = run_ingest(db_path, csv_path, kw)
    remember_campaign(db_path, csv_path)
    fail_if_nothing_worked(summary, db_path)


def remember_campaign(db_path: str, csv_path: str) -> None:
    """The CSV's name, which the report's title shows (the campaign, not the database file)."""
    con = open_rw(db_path)
    try:
        store.store_settings(con, {Setting.CAMPAIGN: Path(csv_path).stem})
    finally:
        con.close()


@click.command("run")
@click.argument("csv_path", type=click.Path(dir_okay=False))
@db_option
@ingest_options
@cluster_options
@click.option(
    "--out-dir", type=click.Path(file_okay=False), help="Where the report goes (default: beside the database)."
)
def run_cmd(csv_path, db_path, track_distance, merge_distance, method, out_dir, **kw):
    """Ingest, cluster and report in one go (a run where no video could be read stops there, with
    the reasons, and exits 1)."""
    summary = run_ingest(db_path, csv_path, kw)
    remember_campaign(db_path, csv_path)
    fail_if_nothing_worked(summary, db_path)  # no people, no report, from nothing
    run_cluster(db_path, track_distance, merge_distance, method)
    run_report(db_path, out_dir)


@click.command("demo")
@click.option("--dir", "folder", default="influx-demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the demo's videos, database and report.")  # fmt: skip
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=WORKERS,
    show_default=True,
    help="Videos processed at once (default: the number of cores).",
)
@click.pass_context
def demo_cmd(ctx, folder, workers):
    """Build a demo campaign from built-in photos and run the whole pipeline on it, offline."""
    from influx.demo.build import build

    folder = Path(folder)
    with console.status("building demo videos"):
        csv_path = build(folder)
    ctx.invoke(run_cmd, csv_path=str(csv_path), db_path=str(folder / "influx.duckdb"), out_dir=str(folder),
               videos_dir=str(folder / "videos"), workers=workers)  # fmt: skip
    click.echo(f"Demo report: {folder / 'influencer_table.pdf'}")
