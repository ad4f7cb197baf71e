"""Read the campaign CSV: one row per video, with its URL and performance score."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

URL_NAMES = ("videourl", "url", "video", "videolink", "link")
SCORE_NAMES = ("performance", "score", "perf")
MAX_CSV_BYTES = 512 * 2**20  # a million rows of long URLs is ~200 MB
MAX_FIELD = 16 * 2**20  # characters in one cell (a long, correctly quoted notes cell is read)
SNIFF_CHARS = 64 * 2**10  # what csv.Sniffer reads: 50 rows of a campaign sheet are a few KB
MAX_ABS_SCORE = 1e15  # larger values are typos and would overflow the variance in SQL


class InputError(Exception):
    """The CSV as a whole cannot be used (exit code 2); the message names the file and the problem."""


@dataclass
class Row:
    row_index: int
    url: str | None
    performance: float | None
    extra: dict = field(default_factory=dict)
    error: str | None = None


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lstrip("\ufeff")).lower()


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM: Excel's "Unicode text" export
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{path}: starts as UTF-16 text but is not valid UTF-16") from None
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path}: not a text CSV file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few stray bytes (a cell pasted from elsewhere): read as cp1252, its é would become
    # Ã© in every URL; read as UTF-8, only the stray bytes are lost. cp1252 text seldom holds a
    # UTF-8 sequence, and then among many bytes that are not
    utf8 = raw.decode("utf-8-sig", errors="replace")
    letters = len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", raw))
    if letters and 5 * letters >= utf8.count("\ufffd"):
        return utf8
    return raw.decode("cp1252", errors="replace")


def _parse(text: str, delimiter: str) -> list[list[str]]:
    """Records of the CSV, blank lines left out. A quote that is never closed would swallow every
    row after it: that is an error naming the line where the quote starts."""
    csv.field_size_limit(MAX_FIELD)  # Python's default, 131,072, refuses a long notes cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=True)  # fmt: skip
    records, line = [], 0
    try:
        for record in reader:
            line = reader.line_num
            records.append(record)
    except csv.Error as e:
        if "field limit" in str(e):  # a quote never closed swallows the rest of the file into one field
            raise csv.Error(f"a field starting on line {line + 1} is over {MAX_FIELD:,} characters"
                            " (a quote opened there and never closed?)") from None  # fmt: skip
        if "expected after" in str(e):  # "a" b: text after a closing quote, or a quote inside a cell not doubled
            raise csv.Error(f"{e}: on line {reader.line_num} a quote closes a cell that goes on (a quote inside"
                            ' a cell is written "")') from None  # fmt: skip
        raise csv.Error(f"{e}: a quote opened on line {line + 1} is never closed") from None
    return [r for r in records if any(c.strip() for c in r)]


def _records(text: str) -> tuple[list[list[str]], str]:
    """Rows of the CSV and its delimiter: the one whose header names the URL and score columns.

    csv.Sniffer's guess comes first; `;`, tab and `|` exports are common from spreadsheets in
    locales with a decimal comma, and a guess can be fooled by URLs full of commas.
    """
    sample = "\n".join(text[:SNIFF_CHARS].splitlines()[:50])  # a long cell would take the sniffer seconds
    try:
        guessed = [csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter]
    except csv.Error:
        guessed = []
    first, error = None, None
    for delimiter in dict.fromkeys(guessed + [",", ";", "\t", "|"]):
        try:  # a wrong guess can read a closed quote as never closed: the next delimiter may read it
            records = _parse(text, delimiter)
        except csv.Error as e:
            error = error or e
            continue
        first = first if first is not None else records
        if records and _pick(records[0], URL_NAMES) is not None and _pick(records[0], SCORE_NAMES) is not None:
            return records, delimiter
    if error is not None:  # no delimiter found the columns, and one met a broken quote: that is what to say
        raise error
    return first or [], ","


POINT, COMMA = "a decimal point (1,234.5)", "a decimal comma (1.234,5)"
_SHAPES = [  # (shape of the number without its sign, what it says about the column's convention)
    (r"\d+\.?", "plain"),  # 12: the same either way
    (r"0\.\d{3}", POINT),  # 0.750 (no thousands group starts with 0)
    (r"0,\d{3}", COMMA),  # 0,750
    (r"\d{1,3}\.\d{3}", "dot3"),  # 1.500: 1.5, or 1500 with a decimal comma
    (r"\d{1,3},\d{3}", "comma3"),  # 1,500: 1500, or 1.5 with a decimal comma
    (r"\d*\.\d+", POINT),  # 2.5, 1234.567 (no thousands separator)
    (r"\d{1,3}(,\d{3})+(\.\d+)?", POINT),  # 1,500,000 and 1,234.5
    (r"\d*,\d+", COMMA),  # 1,5 and 1234,567
    (r"\d{1,3}(\.\d{3})+(,\d+)?", COMMA),  # 1.234.567 and 1.234,5
]


SEPARATORS = " \u00a0\u202f\u2009'’"  # thousands separators, never decimal marks: spaces (NBSP, thin), ' and ’
GROUP = f"[{SEPARATORS}]"


def _number(cell: str | None) -> tuple[str | None, str | None, str | None]:
    """(sign, digits and separators, shape) of a performance cell with spreadsheet formatting
    undone (spaces, currency and percent signs, accounting negatives); (None, None, reason)."""
    text = (cell or "").strip()
    if not text:
        return None, None, "empty performance"
    # a currency sign at either end (after a sign or an accounting parenthesis), a percent sign last
    number = re.sub(r"^([+\-(]?)\s*[$€£¥]\s*|\s*[$€£¥]\s*(\)?)$", r"\1\2", text)
    number = re.sub(r"\s*%$", "", number)
    if re.fullmatch(rf"\(\s*\d[\d.,{SEPARATORS}]*\)", number):
        number = "-" + number[1:-1].strip()
    sign, body = re.fullmatch(r"([+-]?)\s*(.*)", number, re.S).groups()  # (a quoted cell may hold a newline)
    if re.search(GROUP, body):  # 1 234 and 1'234; never 1 5 or 12'34, which could be 1.5 or 15
        if not re.fullmatch(rf"\d{{1,3}}({GROUP}\d{{3}})+([.,]\d+)?", body):
            return "", text, "other"
        body = re.sub(GROUP, "", body)
    for pattern, shape in _SHAPES:
        if re.fullmatch(pattern, body):
            return sign, body, shape
    return "", number, "other"  # 1e3, inf, or not a number: float() decides


MIXED = "a decimal point and a decimal comma alike, each cell as written"


def convention(cells: list[str | None]) -> str | None:
    """How a Performance column writes its numbers, from all its cells: a decimal comma when more
    cells can only be read with one (1,5 or 1.234,5) than with a decimal point (2.5, 1,500,000 or
    1,234.5), a decimal point when fewer; MIXED when as many (each such cell is read as written);
    None when no cell shows which. With None or MIXED, 1,500 and 1.500 are ambiguous."""
    shapes = [_number(c)[2] for c in cells]
    point, comma = shapes.count(POINT), shapes.count(COMMA)
    return None if point == comma == 0 else MIXED if point == comma else COMMA if comma > point else POINT


def parse_score(cell: str | None, column: str | None = "", ambiguous=("comma3",)) -> tuple[float | None, str | None]:
    """A performance cell as a float, or (None, reason), read with its column's `convention`
    (by default, decided from this cell alone). A cell the convention cannot read, or that could
    be read two ways when the column does not say which (the `ambiguous` shapes: 1,500 is 1.5 or
    1500; 1.500 too in a file delimited as decimal-comma locales write them), is an error."""
    sign, body, shape = _number(cell)
    if body is None:
        return None, shape
    column = convention([cell]) if column == "" else column
    if column == MIXED and shape in ("comma3", "dot3"):
        return None, (f"performance {cell!r} is ambiguous: 1.5 or 1500? Its column has as many decimal"
                      " points as decimal commas (write 1500 or 1.5)")  # fmt: skip
    if shape in ambiguous and column is None:
        return None, (f"performance {cell!r} is ambiguous: 1.5 or 1500? No other cell of the column has"
                      " a decimal point or comma that says which (write 1500 or 1.5)")  # fmt: skip
    if column == MIXED:
        column = shape if shape in (POINT, COMMA) else None
    if shape in (POINT, COMMA) and column is not None and shape != column:
        return None, f"performance {cell!r} is written with {shape}, but its column uses {column}"
    if column == COMMA and shape != "other":
        body = body.replace(".", "").replace(",", ".")
    elif shape != "other":
        body = body.replace(",", "")
    try:
        if "_" in body:  # Python's float() reads 1_5 as 15; no spreadsheet writes numbers that way
            raise ValueError
        value = float(sign + body)
    except ValueError:
        return None, f"performance {cell!r} is not a number"
    if not math.isfinite(value):
        return None, f"performance {cell!r} is not a finite number"
    if abs(value) > MAX_ABS_SCORE:
        return None, f"performance {cell!r} is out of range (|x| > {MAX_ABS_SCORE:g})"
    return value, None


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    """The first column named as `names` lists them (_column chooses among several)."""
    normed = [_norm(h) for h in header]
    for name in names:
        if name in normed:
            return normed.index(name)
    return None


def _links(cells: list[str]) -> float:
    """The share of a column's filled cells that look like a link or a file: a scheme, a path, a
    file name (clip.mp4)."""
    filled = [c.strip() for c in cells if c.strip()]
    look = re.compile(r"[a-z][a-z0-9+.-]*://|www\.|[./~\\]|[a-z]:\\|\S*/|\S+\.[a-z0-9]{2,4}$", re.I)
    return sum(bool(look.match(c)) for c in filled) / max(len(filled), 1)


def _column(path: Path, header: list[str], body: list[list[str]], names: tuple[str, ...], links: bool) -> int | None:
    """The column named as one of `names`: refused when two columns have the same name; of two
    names (Video URL and Link), the one first in `names`, or with `links`, the one whose cells look
    most like links (a Video column of titles beside a Link column of URLs)."""
    normed = [_norm(h) for h in header]
    found = [j for name in names for j, h in enumerate(normed) if h == name]
    for j in found:
        if normed.count(normed[j]) > 1:
            twice = [str(k + 1) for k, h in enumerate(normed) if h == normed[j]]
            raise InputError(f"{path}: two columns are named {header[j].strip()!r} (columns {' and '.join(twice)}):"
                             " rename or remove one, so that influx knows which to read")  # fmt: skip
    if not links or len(found) < 2:
        return found[0] if found else None
    share = {j: _links([cells[j] if j < len(cells) else "" for cells in body]) for j in found}
    return max(found, key=lambda j: share[j])  # max keeps the first of equals: the order of `names`


def read_rows(path: str | Path) -> list[Row]:
    """Parse the CSV at `path`. Raises InputError when it has no usable header or rows."""
    return read_table(path)[0]


def read_table(path: str | Path) -> tuple[list[Row], str | None]:
    """The CSV's rows, and how its Performance column writes numbers (POINT, COMMA, or None when
    no cell shows it), which every cell of the column is read with."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise InputError(f"{path}: not a regular file")
    if path.is_file() and path.stat().st_size > MAX_CSV_BYTES:
        raise InputError(f"{path}: over {MAX_CSV_BYTES // 2**20} MB, too large for a campaign CSV")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read the file ({e.strerror or e})") from None
    text = _decode(raw, path)
    lossy = text.count("\ufffd") > raw.count("\ufffd".encode())  # bytes the decoding could not read
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        records, delimiter = _records(text)
    except csv.Error as e:
        raise InputError(f"{path}: not a readable CSV ({e})") from None
    if not records:
        raise InputError(f"{path}: the file is empty")
    header, body = records[0], records[1:]
    url_col = _column(path, header, body, URL_NAMES, links=True)
    if url_col is None:
        raise InputError(
            f"{path}: no video URL column (looked for 'Video URL', 'Video_URL', 'url' or 'video';"
            f" found {', '.join(repr(h) for h in header[:10])})"
        )
    score_col = _column(path, header, body, SCORE_NAMES, links=False)
    if score_col is None:
        raise InputError(
            f"{path}: no performance column (looked for 'Performance' or 'score';"
            f" found {', '.join(repr(h) for h in header[:10])})"
        )
    if not body:
        raise InputError(f"{path}: the file has a header but no rows")
    rows = []
    cells_of_column = [cells[score_col] if score_col < len(cells) else "" for cells in body]
    column = convention(cells_of_column)
    # 1.500 with no cell saying which: 1.5 in a comma-delimited file (the CSV's own number format),
    # not guessed in a `;`, tab or `|` one (Excel writes `;` where the decimal mark is a comma), nor
    # beside a 1,250 (one of the two marks is then a thousands separator)
    shapes = {_number(c)[2] for c in cells_of_column}
    ambiguous = ("comma3",) if delimiter == "," and "comma3" not in shapes else ("comma3", "dot3")
    for i, cells in enumerate(body):
        get = lambda j, cells=cells: cells[j].strip() if j < len(cells) else ""  # noqa: E731
        url = get(url_col) or None
        url_error = "empty video URL" if url is None else None
        if url and lossy and "\ufffd" in url:  # a byte that is not UTF-8, read as U+FFFD: not the sheet's URL
            url, url_error = None, "the video URL has a byte that is not UTF-8 (the file mixes encodings)"
        score, score_error = parse_score(get(score_col), column, ambiguous)
        extra = {(h.strip() or f"column_{j}"): get(j) for j, h in enumerate(header) if j not in (url_col, score_col)}
        if len(cells) > len(header):
            extra["_overflow"] = cells[len(header) :]
            filled = len(header) + max((k + 1 for k, c in enumerate(cells[len(header) :]) if c.strip()), default=0)
            split = re.fullmatch(r"[+-]?\d{1,3} \d{3}([.,]\d+)?", f"{get(score_col)} {get(score_col + 1)}")
            if filled > len(header) or split:  # an unquoted comma moved the cells after it (1,500 into 1 | 500)
                score, score_error = None, (f"{len(cells)} cells where the header has {len(header)} (a comma in a cell"
                                            " that is not quoted?): the performance is not read")  # fmt: skip
        errors = [e for e in (url_error, score_error) if e]
        rows.append(Row(i, url, score, extra, "; ".join(errors) or None))
    return rows, column
