"""What every `influx` command shares: the console, the --db option, errors, opening the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from . import db

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


def say(message: str) -> None:
    """One line of plain text to stderr: user data is never read as markup."""
    console.print(escape(message), highlight=False, soft_wrap=True)


def open_ro(db_path: str):
    try:
        return db.connect(db_path, read_only=True)
    except (FileNotFoundError, db.DatabaseInUse) as e:
        fail(str(e))


def open_rw(db_path: str):
    """Open an existing database for writing (never creates one)."""
    if not Path(db_path).exists():
        fail(f"no database at {db_path} (run `influx ingest` first)")
    try:
        return db.connect(db_path)
    except db.DatabaseInUse as e:
        fail(str(e))
