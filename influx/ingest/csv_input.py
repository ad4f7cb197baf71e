"""Read the campaign CSV: one row per video, with its URL and performance score."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from influx.ingest.performance import convention, parse_score, split_number

URL_NAMES = ("videourl", "url", "video", "videolink", "link")
SCORE_NAMES = ("performance", "score", "perf")
MAX_CSV_BYTES = 512 * 2**20  # a million rows of long URLs is ~200 MB
MAX_FIELD = 16 * 2**20  # characters in one cell (a long, correctly quoted notes cell is read)
SNIFF_CHARS = 64 * 2**10  # what csv.Sniffer reads: 50 rows of a campaign sheet are a few KB


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
    # UTF-8 with a stray byte (a cell pasted from elsewhere) has more UTF-8 letters than bad bytes:
    # read as cp1252 its é would become Ã© in every URL; read as UTF-8, only the stray byte is lost.
    # cp1252 text seldom holds a UTF-8 sequence (É” is one), and then among more bytes that are not
    utf8 = raw.decode("utf-8-sig", errors="replace")
    letters = len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", raw))
    if letters > utf8.count("\ufffd"):
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
        if records and _named(records[0], URL_NAMES) and _named(records[0], SCORE_NAMES):
            return records, delimiter
    if error is not None:  # no delimiter found the columns, and one met a broken quote: that is what to say
        raise error
    return first or [], ","


def _named(header: list[str], names: tuple[str, ...]) -> list[int]:
    """The columns named as one of `names`, in the order `names` lists them (_column chooses)."""
    normed = [_norm(h) for h in header]
    return [j for name in names for j, h in enumerate(normed) if h == name]


def _holds_links(cells: list[str]) -> bool:
    """Whether a column may hold the videos: no filled cell, or one that looks like a link or a
    file (a scheme, a path, a file name such as clip.mp4), not only titles."""
    filled = [c.strip() for c in cells if c.strip()]
    look = re.compile(r"[a-z][a-z0-9+.-]*://|www\.|[./~\\]|[a-z]:\\|\S*/|\S+\.[a-z0-9]{2,4}$", re.I)
    return not filled or any(look.match(c) for c in filled)


def _column(path: Path, header: list[str], body: list[list[str]], names: tuple[str, ...], links: bool) -> int | None:
    """The column named first in `names`. With `links`, a bare Video column whose filled cells are
    all titles gives way to a Video Link or Link column; a Video URL or URL column never does,
    whatever it holds (TBD). Refused when the column chosen shares its name with another: influx
    would not know which."""
    normed = [_norm(h) for h in header]
    found = _named(header, names)
    if not found:
        return None
    chosen = found[0]
    titles = normed[chosen] == "video" and not _holds_links([c[chosen] if chosen < len(c) else "" for c in body])
    if links and len(found) > 1 and titles:
        chosen = found[1]
    if normed.count(normed[chosen]) > 1:
        twice = [str(k + 1) for k, h in enumerate(normed) if h == normed[chosen]]
        raise InputError(f"{path}: two columns are named {header[chosen].strip()!r} (columns {' and '.join(twice)}):"
                         " rename or remove one, so that influx knows which to read")  # fmt: skip
    return chosen


def _width(header: list[str], body: list[list[str]]) -> int:
    """How many cells a row may have: the header's, or more when nine rows in ten or more end with
    the same empty cells (a writer that ends each line with a delimiter; half the rows with an
    unquoted 1,200 in an empty last column are not that). A longer row has a comma of its own."""
    longer = [len(c) for c in body if len(c) > len(header) and not any(x.strip() for x in c[len(header) :])]
    return Counter(longer).most_common(1)[0][0] if 10 * len(longer) >= 9 * len(body) > 0 else len(header)


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
    shapes = [split_number(cells[score_col] if score_col < len(cells) else "")[2] for cells in body]
    column = convention(shapes)
    # 1.500 with no cell saying which: 1.5 in a comma-delimited file (the CSV's own number format),
    # not guessed in a `;`, tab or `|` one (Excel writes `;` where the decimal mark is a comma), nor
    # beside a 1,250 (one of the two marks is then a thousands separator)
    ambiguous = ("comma3",) if delimiter == "," and "comma3" not in shapes else ("comma3", "dot3")
    width = _width(header, body)
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
            if len(cells) > width or any(c.strip() for c in cells[len(header) :]):  # a comma of its own moved
                score, score_error = None, (f"{len(cells)} cells where the header has {len(header)} (a comma in a cell"
                                            " that is not quoted?): the performance is not read")  # fmt: skip
        errors = [e for e in (url_error, score_error) if e]
        rows.append(Row(i, url, score, extra, "; ".join(errors) or None))
    return rows, column
