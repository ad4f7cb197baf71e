"""Fonts for the report, so that a name in any script is drawn, never left blank.

DejaVu Sans (shipped with matplotlib) covers Latin, Greek, Cyrillic, Arabic, Hebrew and more;
Noto Sans CJK (the noto-cjk-sans-otc package, SIL OFL) covers Chinese, Japanese and Korean and is
loaded only when a text needs it; HarfBuzz (uharfbuzz) shapes the scripts whose letters join or
run right to left. A name that no font can draw is shown with a clear marker instead.
"""

from __future__ import annotations

import contextlib
import unicodedata
from functools import cache
from pathlib import Path

CJK_INDEX = 2  # Simplified Chinese in the collection (JP, KR, SC, TC, HK): Han names draw in their usual forms
UNDRAWABLE = "[unprintable name]"


def dejavu() -> tuple[Path, Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


@cache
def _cmap(path: str, number: int = 0) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=number, lazy=True) as font:
        return frozenset(font.getBestCmap())


def cjk_font() -> Path | None:
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:  # not installed: CJK names get the marker
        return None
    return Path(str(FONT_PATH))


def _covered_by_dejavu(text: str) -> bool:
    have = _cmap(str(dejavu()[0]))
    return all(ord(c) in have or unicodedata.category(c).startswith(("Z", "C")) for c in text)


def _covered_by_cjk(text: str) -> bool:
    path = cjk_font()
    if path is None:
        return False
    have, base = _cmap(str(path), CJK_INDEX), _cmap(str(dejavu()[0]))
    return all(ord(c) in have or ord(c) in base or unicodedata.category(c).startswith(("Z", "C")) for c in text)


def drawable(text: str) -> bool:
    """Every character of `text` has a glyph in the report's fonts."""
    return _covered_by_dejavu(text) or _covered_by_cjk(text)


def shown(text: str) -> str:
    """`text` if it can be drawn, else the marker (the id beside it says whose name it is)."""
    return text if drawable(text) else UNDRAWABLE


def add_fonts(pdf, texts) -> None:
    """DejaVu as "dejavu" (regular and bold), and Noto Sans CJK as a fallback when one of `texts`
    needs it (loading the 19 MB collection costs about a second)."""
    regular, bold = dejavu()
    pdf.add_font("dejavu", "", str(regular))
    pdf.add_font("dejavu", "B", str(bold))
    if cjk_font() is not None and any(t and not _covered_by_dejavu(t) and _covered_by_cjk(t) for t in texts):
        pdf.add_font("notocjk", "", str(cjk_font()), collection_font_number=CJK_INDEX)
        pdf.set_fallback_fonts(["notocjk"], exact_match=False)


def needs_shaping(text: str) -> bool:
    """Letters that join (Arabic) or run right to left, or combining marks: HarfBuzz must lay it out."""
    return any(unicodedata.bidirectional(c) in ("R", "AL") or unicodedata.category(c) == "Mn" for c in text)


@contextlib.contextmanager
def shaping(pdf, text: str):
    """Draw `text` through HarfBuzz when it needs it (shaping every cell would slow large reports)."""
    on = needs_shaping(text)
    if on:
        pdf.set_text_shaping(True)
    try:
        yield
    finally:
        if on:
            pdf.set_text_shaping(False)


def chart_label(name: str) -> str:
    """A name as the chart can draw it: matplotlib neither shapes nor falls back to CJK fonts, so a
    name that needs either is left out of the chart (the table beside it shows it)."""
    return name if _covered_by_dejavu(name) and not needs_shaping(name) else ""


MAX_SUBSET_CHARS = 3000


def cjk_subset(texts) -> bytes | None:
    """The Noto Sans CJK glyphs that `texts` need and DejaVu lacks, as a small OpenType font (a few
    KB) to embed in a web page, so that CJK names draw in a browser without a CJK font; None when
    no text needs it or the font is not installed."""
    path = cjk_font()
    if path is None:
        return None
    base = _cmap(str(dejavu()[0]))
    chars = sorted({c for t in texts for c in t if ord(c) not in base and ord(c) in _cmap(str(path), CJK_INDEX)})
    if not chars:
        return None
    import io

    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont

    with TTFont(str(path), fontNumber=CJK_INDEX) as font:
        subsetter = Subsetter(Options(layout_features=["*"]))
        subsetter.populate(text="".join(chars[:MAX_SUBSET_CHARS]))
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    return buf.getvalue()
