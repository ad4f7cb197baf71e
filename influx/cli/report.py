"""The `influx report`, `review` and `sql` commands."""

from __future__ import annotations

from pathlib import Path

import click
import duckdb

from influx import store
from influx.cli.base import ExitCode, db_option, exit_code, fail, open_ro, open_rw, say, say_list
from influx.output import emit, format_option, plural


def run_report(db_path: str, out_dir: str | None):
    if not Path(db_path).exists():
        fail(f"no database at {db_path}")
    from influx.report import report

    try:
        files = report(db_path, out_dir)
    except (store.DatabaseInUse, store.BadDatabase) as e:
        fail(str(e))
    say_list("report:", f"{files.pdf} (open this first)", files.details, files.xlsx, files.csv,
             f"{files.faces}/ ({plural(files.influencers, 'influencer')})",
             f"{files.sheet} (the contact sheet: every face, to check the people)")  # fmt: skip
    if files.skipped_faces:
        say(f"{plural(files.skipped_faces, 'face image')} left out: the report's limit of face image bytes was reached")
    if not files.influencers:
        say("no influencer in this report: run `influx cluster` first (or no video had a face)")
    return files


@click.command("report")
@db_option
@click.option("--out-dir", type=click.Path(file_okay=False), help="Where to write (default: beside the database).")
def report_cmd(db_path, out_dir):
    """Write the PDF, the CSV and the face images from the database."""
    run_report(db_path, out_dir)


@click.command("review")
@db_option
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")  # fmt: skip
@click.option("--no-browser", is_flag=True, help="Only print the URL; do not open a browser.")
def review_cmd(db_path, port, no_browser):
    """Check and correct the people in a browser: a page on 127.0.0.1 over the database file."""
    from influx.review.app import serve

    open_ro(db_path).close()  # a missing, busy or untrusted file: one line and exit 2, before serving

    def ready(url):
        click.echo(f"influx review: {url}  (Ctrl-C stops it; the token in the URL is this run's key)")
        if not no_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        serve(db_path, port, ready)
    except OSError as e:
        fail(f"cannot serve on 127.0.0.1:{port}: {e.strerror or e}")


READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}


@click.command("sql")
@click.argument("query")
@db_option
@format_option
@click.option("--write", is_flag=True, help="Allow statements that change the database (default: read-only).")
@click.option("--external-access", is_flag=True,
              help="Let SQL read and write other files and the network (off by default).")  # fmt: skip
def sql_cmd(query, db_path, fmt, write, external_access):
    """Run SQL on the database: one SELECT, read-only, unless --write."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as e:
        fail(f"SQL error: {store.first_line(e)}", ExitCode.FAILED)
    if not statements:
        fail("no SQL statement given", ExitCode.FAILED)
    if not write:
        kinds = [s.type.name for s in statements]
        if len(statements) > 1:
            fail(f"{len(statements)} statements given: one at a time, or use --write", ExitCode.FAILED)
        if kinds[0] not in READ_ONLY_STATEMENTS:
            fail(f"{kinds[0]} is not allowed read-only (only SELECT): use --write to change the database"
                 " and --external-access to reach files or the network", ExitCode.FAILED)  # fmt: skip
    con = open_rw(db_path, external_access) if write else open_ro(db_path, external_access)
    try:
        for n, statement in enumerate(statements):
            rel = con.execute(statement.query)
            if rel.description and n == len(statements) - 1:  # rows are streamed, never all held at once
                emit([d[0] for d in rel.description], _batches(rel), fmt)
        if write:
            con.execute(store.sql("database.checkpoint"))
    except duckdb.Error as e:
        if exit_code(e) == ExitCode.INTERRUPTED:
            raise KeyboardInterrupt from None  # Ctrl-C during the query: the group says so and exits 130
        fail(f"SQL error: {store.first_line(e)}", ExitCode.FAILED)
    finally:
        con.close()


def _batches(rel, size: int = 10_000):
    """The rows of a result, fetched `size` at a time."""
    while batch := rel.fetchmany(size):
        yield from batch
