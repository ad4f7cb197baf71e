"""Rows printed by the commands (`sql`, `people`, `corrections`): one --format option, one way to
show NULL, arrays and blobs in each format, and user data always shown as text, never as markup
or terminal control codes, nor as spreadsheet formulas in CSV."""

from __future__ import annotations

import base64
import csv
import datetime
import decimal
import itertools
import json
import math
import os
import re
import sys
import uuid
from collections.abc import Iterable, Iterator

import click

FORMATS = ["table", "csv", "json", "markdown"]
TABLE_ROWS = 10_000  # rows a table shows (the other formats stream every row)
# Characters that are invisible or move other text: C0/C1 controls, line and paragraph separators,
# bidi marks, embeddings, overrides and isolates, zero-width spaces, word joiners, the BOM,
# interlinear annotation, tag characters and Hangul fillers (which draw as blanks). Not ZWNJ/ZWJ
# (U+200C/D): Persian, Indic scripts and emoji need them, and they move nothing.
CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)
BLANK_NAME = "[blank name]"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 person`, `2 people`; `1 face`, `3 faces`."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="How rows are printed.")(f)  # fmt: skip


def escape_controls(text: str) -> str:
    """Control and invisible characters (and bidi overrides) as visible escapes: \\x1b, \\u202e."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def display(text, limit: int = 300) -> str:
    """The one display-safe form of user text (names, URLs, reasons) for the terminal, the CSVs,
    the workbook, people.html and the PDF: every invisible or reordering character shown as an
    escape, so that no character can disguise another name or break a layout; text of only
    spaces shown as `[blank name]`; at most `limit` characters."""
    s = escape_controls("" if text is None else str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def web_link(url) -> str | None:
    """`url` when it is safe to make clickable: http or https, no spaces, controls or invisible
    characters (never file:, javascript:, data:); else None (the URL is then shown as text)."""
    if isinstance(url, str) and len(url) <= 2000 and re.match(r"(?i)^https?://[^\s\"'<>\\]+$", url):
        return None if CONTROL.search(url) else url
    return None


def display_name(name, limit: int = 300) -> str | None:
    """A person's name as shown everywhere: None when there is none, `[blank name]` when it is only
    spaces (it would print blank), else display(name)."""
    if name is None or (isinstance(name, float) and name != name) or name == "":
        return None
    return display(name, limit) if str(name).strip() else BLANK_NAME


def csv_cell(value) -> str:
    """A cell for a CSV a spreadsheet will open (OWASP, CSV injection): text that starts like a
    formula gets a leading apostrophe; control characters are escaped."""
    if value is None:
        return ""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return "" if isinstance(value, float) and not math.isfinite(value) else str(value)
    text = display(value, 100_000) if isinstance(value, str) else short(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def short(value, limit: int = 80) -> str:
    """A readable one-line form of any value: NULL, numbers, text, arrays, blobs."""
    if isinstance(value, str):
        return display(value, limit)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<blob {len(bytes(value)):,} bytes>"
    if isinstance(value, list | tuple):
        items = ", ".join(short(v, 12) for v in value[:4])
        more = f", … {len(value)} values" if len(value) > 4 else ""
        return f"[{items}{more}]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return display(value, limit)


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta | uuid.UUID):
        return str(value)
    return value


def unique_names(columns: list[str]) -> list[str]:
    """Column names made distinct (`a`, `a_2`), so that no format drops a column: JSON keys, and
    headers a reader can tell apart."""
    seen, out = set(columns), []
    counts: dict[str, int] = {}
    for c in columns:
        if c in counts:
            n = counts[c]
            while f"{c}_{n + 1}" in seen:
                n += 1
            counts[c] = n + 1
            c = f"{c}_{n + 1}"
            seen.add(c)
        else:
            counts[c] = 1
        out.append(c)
    return out


def _is_number(value) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def emit(columns: list[str], rows: Iterable[tuple], fmt: str, title: str | None = None) -> None:
    """Print `rows` (a list, or an iterator: CSV, JSON and markdown stream) to stdout in `fmt`."""
    columns = unique_names([str(c) for c in columns])
    rows = iter(rows)
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([csv_cell(c) for c in columns])
        for row in rows:
            w.writerow([csv_cell(v) for v in row])
    elif fmt == "json":
        out = sys.stdout
        out.write("[")
        for n, row in enumerate(rows):
            record = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
            out.write(("," if n else "") + json.dumps(record, ensure_ascii=False, default=str))
        out.write("]\n")
    elif fmt == "markdown":

        def cell(v):
            return short(v, 200).replace("|", "\\|")

        click.echo("| " + " | ".join(cell(c) for c in columns) + " |")
        click.echo("|" + "---|" * len(columns))
        for row in rows:
            click.echo("| " + " | ".join(cell(v) for v in row) + " |")
    else:
        _table(columns, rows, title)


def _share(room: int, wanted: list[int], least: int = 6) -> list[int] | None:
    """Widths for text columns that want `wanted` characters within `room` (water-filling: short
    columns get all they want, the others share the rest); None when each cannot get `least`."""
    if room < least * len(wanted):
        return None
    widths, left, todo = [0] * len(wanted), room, sorted(range(len(wanted)), key=lambda k: wanted[k])
    for n, k in enumerate(todo):
        widths[k] = max(1, min(wanted[k], left // (len(todo) - n)))
        left -= widths[k]
    return widths


def _table(columns: list[str], rows: Iterator[tuple], title: str | None) -> None:
    """A rich table: numbers right-aligned and never cut (their column is at least as wide as the
    widest), text folded; at most TABLE_ROWS rows (a table is for reading: CSV streams any number)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    shown = list(itertools.islice(rows, TABLE_ROWS))
    more = next(rows, None) is not None
    if not shown:
        click.echo(f"{title + ': ' if title else ''}no rows")
        return
    cells = [[short(v) for v in row] for row in shown]
    numeric = [
        all(_is_number(r[k]) or r[k] is None for r in shown) and any(_is_number(r[k]) for r in shown)
        for k in range(len(columns))
    ]
    wide = sys.stdout.isatty() or os.environ.get("COLUMNS")  # else a file or a pipe: lines stay whole
    console = Console(width=None if wide else 250, highlight=False)
    # numbers need their full width, text at least a few characters (it folds), borders 3 a column
    longest = [max(len(c), *(len(r[k]) for r in cells)) for k, c in enumerate(columns)]
    wanted = [longest[k] for k, num in enumerate(numeric) if not num]
    for header in (len, lambda c: min(len(c), 6)):  # whole headers over numbers if there is room
        numbers = [max(max(len(r[k]) for r in cells), header(c)) for k, c in enumerate(columns)]
        room = console.width - 3 * len(columns) - 1 - sum(n for n, num in zip(numbers, numeric, strict=True) if num)
        texts = _share(room, wanted)
        if texts is not None:
            break
    if texts is not None:  # numbers at their full width, text columns share the rest and fold
        table = Table(title=Text(title) if title else None)
        for k, c in enumerate(columns):
            if numeric[k]:
                table.add_column(Text(short(c), overflow="fold"), justify="right", no_wrap=True, width=numbers[k])
            else:
                table.add_column(Text(short(c), overflow="fold"), overflow="fold", width=texts.pop(0))
        for row in cells:
            table.add_row(*[Text(v) for v in row])
        console.print(table)
    else:  # too many columns for the terminal: one small table per row, column names down the side
        if title:
            console.print(Text(title))
        for n, row in enumerate(cells, 1):
            table = Table(title=Text(f"row {n}"), show_header=False, title_justify="left")
            table.add_column(overflow="fold")
            table.add_column(overflow="fold")
            for k, c in enumerate(columns):
                table.add_row(Text(short(c)), Text(row[k], justify="right" if numeric[k] else "left"))
            console.print(table)
    if more:
        click.echo(f"only the first {TABLE_ROWS:,} rows are shown: --format csv or json prints them all")


def clean(text, limit: int = 300) -> str:
    """Text for the PDF: the same display-safe form as everywhere else."""
    return display(text, limit)
