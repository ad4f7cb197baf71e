"""What every `influx` command shares: the console, the --db option, errors, opening the database."""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from pathlib import Path

import click
import duckdb
from rich.console import Console
from rich.markup import escape

from influx import store
from influx.identity.corrections import connect_verified
from influx.ingest.csv_input import InputError
from influx.ingest.pipeline import StorageError
from influx.output import escape_controls

# Not a terminal (a log, a pipe): lines are not wrapped, so paths and URLs stay whole.
console = Console(stderr=True, soft_wrap=not sys.stderr.isatty())
DEFAULT_DB = "influx.duckdb"


def db_option(f):
    return click.option(
        "--db",
        "db_path",
        default=DEFAULT_DB,
        show_default=True,
        envvar="INFLUX_DB",
        show_envvar=True,
        type=click.Path(dir_okay=False),
        help="The influx DuckDB file (or set INFLUX_DB once instead of repeating --db).",
    )(f)


class ExitCode(IntEnum):
    """What `influx` exits with, whatever the command: a script can rely on these."""

    OK = 0
    FAILED = 1  # the work could not be done now (network, disk, an SQL error, nothing readable): run again
    REFUSED = 2  # the input is wrong (an option, a CSV, a file influx will not open): fix it first
    INTERRUPTED = 130  # Ctrl-C or a kill: what was finished is stored


def exit_code(e: BaseException) -> ExitCode:
    """The one mapping of errors to exit codes."""
    if isinstance(e, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(e, (duckdb.Error, RuntimeError)) and interrupted(e)
    ):
        return ExitCode.INTERRUPTED
    if isinstance(e, (store.BadDatabase, store.DatabaseInUse, InputError, StorageError, FileNotFoundError)):
        return ExitCode.REFUSED
    return ExitCode.FAILED


def fail(message: str, code: ExitCode = ExitCode.REFUSED):
    """Print one line (user data in it shown as text, control characters escaped) and exit."""
    console.print(f"[bold red]Error:[/] {escape(escape_controls(message))}", highlight=False, soft_wrap=True)
    sys.exit(code)


def say(message: str) -> None:
    """One line of plain text to stderr: user data is never read as markup or control codes."""
    console.print(escape(escape_controls(message)), highlight=False, soft_wrap=True)


def say_list(title: str, *items) -> None:
    """`title` and its first item, then one item a line below it (say() shows a newline inside a
    message as the two characters \\n)."""
    say(f"{title} {items[0]}")
    for item in items[1:]:
        say(f"{' ' * len(title)} {item}")


def open_ro(db_path: str, external_access: bool = False, verify: bool = True):
    """Open a database to show its rows and numbers: read-only, refused if it fails a data check."""
    try:
        if verify:
            return connect_verified(db_path, read_only=True, external_access=external_access)
        return store.connect(db_path, read_only=True, external_access=external_access)
    except (FileNotFoundError, store.DatabaseInUse, store.BadDatabase) as e:
        fail(str(e))


def open_rw(db_path: str, external_access: bool = False):
    """Open an existing database for writing (never creates one)."""
    if not Path(db_path).exists():
        fail(f"no database at {db_path} (run `influx ingest` first)")
    try:
        con = store.connect(db_path, external_access=external_access)
    except (store.DatabaseInUse, store.BadDatabase) as e:
        fail(str(e))
    store.refresh_quantiles(con)  # what a command shows matches a read-only open's numbers
    return con


class Commands(click.Group):
    """The `influx` group: errors a user can meet become one line and an exit code, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except (KeyboardInterrupt, duckdb.InterruptException):
            console.print("Interrupted.", highlight=False)
            exit_now(ExitCode.INTERRUPTED)
        except (store.BadDatabase, store.DatabaseInUse) as e:
            fail(str(e), exit_code(e))
        except Exception as e:  # noqa: BLE001 - a case nobody foresaw: still one line, not a traceback
            code = exit_code(e)
            if code == ExitCode.INTERRUPTED:  # Ctrl-C inside DuckDB ("Query interrupted")
                console.print("Interrupted.", highlight=False)
                exit_now(code)
            if isinstance(e, duckdb.Error):
                fail(f"database error: {store.first_line(e)}", code)
            if isinstance(e, OSError):
                fail(f"{e.filename + ': ' if e.filename else ''}{e.strerror or e}", code)
            if os.environ.get("INFLUX_DEBUG"):
                raise
            fail(f"internal error: {type(e).__name__}: {store.first_line(e)} (INFLUX_DEBUG=1 shows where)",
                 ExitCode.FAILED)  # fmt: skip


def interrupted(e: Exception) -> bool:
    """Ctrl-C inside a DuckDB call surfaces as an error saying so ("Query interrupted")."""
    return "interrupt" in str(e).lower()


def exit_now(code: int):
    """Exit without waiting for downloads still blocked in the network (the database is closed)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
