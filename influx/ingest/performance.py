"""Performance cells as numbers: the formats spreadsheets write (decimal comma, thousands
separators, currency and percent signs, accounting negatives), one convention per column, and a
row error, never a guess, for a cell that could be read two ways."""

from __future__ import annotations

import math
import re

MAX_ABS_SCORE = 1e15  # larger values are typos and would overflow the variance in SQL
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


def split_number(cell: str | None) -> tuple[str | None, str | None, str | None]:
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


def convention(shapes: list[str]) -> str | None:
    """How a Performance column writes its numbers, from the shapes of all its cells (split_number's
    third part): a decimal comma when more
    cells can only be read with one (1,5 or 1.234,5) than with a decimal point (2.5, 1,500,000 or
    1,234.5), a decimal point when fewer; MIXED when as many (each such cell is read as written);
    None when no cell shows which. With None or MIXED, 1,500 and 1.500 are ambiguous."""
    point, comma = shapes.count(POINT), shapes.count(COMMA)
    return None if point == comma == 0 else MIXED if point == comma else COMMA if comma > point else POINT


def parse_score(cell: str | None, column: str | None = "", ambiguous=("comma3",)) -> tuple[float | None, str | None]:
    """A performance cell as a float, or (None, reason), read with its column's `convention`
    (by default, decided from this cell alone). A cell the convention cannot read, or that could
    be read two ways when the column does not say which (the `ambiguous` shapes: 1,500 is 1.5 or
    1500; 1.500 too in a file delimited as decimal-comma locales write them), is an error."""
    sign, body, shape = split_number(cell)
    if body is None:
        return None, shape
    column = convention([shape]) if column == "" else column
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
