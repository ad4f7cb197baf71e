"""Text in the PDF: names in any script, fitted to their cell."""

from __future__ import annotations

from fpdf import FPDF


def _latin(text: str) -> bool:
    return text.isascii() or all(ord(c) < 0x250 or c in "…±·" for c in text)


def _width(pdf: FPDF, text: str) -> float:
    """Width of `text` in the current font: from the font's advance widths for Latin text (20 times
    quicker than get_string_width, which a 5,000-row table calls ~100,000 times)."""
    if not _latin(text):
        return pdf.get_string_width(text)
    cw = pdf.current_font.cw
    return sum(cw[ord(c)] for c in text) * pdf.font_size_pt / 1000 / pdf.k


def _put(pdf: FPDF, x: float, y: float, w: float, h: float, text: str, center: bool = True, link: str = "") -> None:
    """Text in a box, vertically centred (and horizontally, or from the left): `text()` is ten times
    quicker than `cell()`; anything but Latin text still goes through `cell()` (font fallback)."""
    if not _latin(text):
        pdf.set_xy(x, y)
        pdf.cell(w, h, text, align="C" if center else "L", link=link)
        return
    left = x + (w - _width(pdf, text)) / 2 if center else x + pdf.c_margin
    pdf.text(left, y + h / 2 + 0.35 * pdf.font_size, text)
    if link:
        pdf.link(x, y, w, h, link)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The start of `text` that fits in `width`, with an ellipsis when cut (binary search)."""
    if _width(pdf, text) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _width(pdf, text[:mid] + "…") <= width else (lo, mid - 1)
    return text[:lo] + "…"


def _fit_tail(pdf: FPDF, text: str, width: float) -> str:
    """The end of `text` that fits, after an ellipsis: URLs of one campaign differ at the end."""
    if _width(pdf, text) <= width:
        return text
    if not _latin(text):
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if _width(pdf, "…" + text[len(text) - mid :]) <= width else (lo, mid - 1)
        return "…" + text[len(text) - lo :]
    cw, scale = pdf.current_font.cw, pdf.font_size_pt / 1000 / pdf.k
    used, keep = cw[ord("…")] * scale, 0
    for c in reversed(text):  # one pass from the end
        used += cw[ord(c)] * scale
        if used > width:
            break
        keep += 1
    return "…" + text[len(text) - keep :]
