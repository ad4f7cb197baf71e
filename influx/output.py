"""Rows printed by the commands (`sql`, `people`, `corrections`): one --format option, one way to
show NULL, arrays and blobs in each format, and user data always shown as text, never as markup
or terminal control codes, nor as spreadsheet formulas in CSV."""

from __future__ import annotations

import base64
import csv
import datetime
import decimal
import json
import math
import re
import sys
import uuid

import click

FORMATS = ["table", "csv", "json", "markdown"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 person`, `2 people`; `1 face`, `3 faces`."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="How rows are printed.")(f)  # fmt: skip


def escape_controls(text: str) -> str:
    """Control characters (and bidi overrides) as visible escapes: \\x1b, \\u202e."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def csv_cell(value) -> str:
    """A cell for a CSV a spreadsheet will open (OWASP, CSV injection): text that starts like a
    formula gets a leading apostrophe; control characters are escaped."""
    if value is None:
        return ""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return "" if isinstance(value, float) and not math.isfinite(value) else str(value)
    text = escape_controls(value if isinstance(value, str) else short(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def short(value, limit: int = 80) -> str:
    """A readable one-line form of any value: NULL, numbers, text, arrays, blobs."""
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
    text = escape_controls(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def emit(columns: list[str], rows: list[tuple], fmt: str, title: str | None = None) -> None:
    """Print `rows` to stdout in `fmt`."""
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([csv_cell(c) for c in columns])
        w.writerows([[csv_cell(v) for v in row] for row in rows])
    elif fmt == "json":
        records = [{c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        click.echo(json.dumps(records, ensure_ascii=False, default=str))
    elif fmt == "markdown":

        def cell(v):
            return short(v, 200).replace("|", "\\|")

        click.echo("| " + " | ".join(cell(c) for c in columns) + " |")
        click.echo("|" + "---|" * len(columns))
        for row in rows:
            click.echo("| " + " | ".join(cell(v) for v in row) + " |")
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title) if title else None)
        for c in columns:
            table.add_column(Text(short(c)))
        for row in rows:
            table.add_row(*[Text(short(v)) for v in row])
        Console(width=None if sys.stdout.isatty() else 250, highlight=False).print(table)


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text, limit: int = 300) -> str:
    """Printable, bounded text for the PDF (control characters dropped, long text cut)."""
    s = CONTROL.sub("", "" if text is None else str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"
