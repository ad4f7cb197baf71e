"""The PDF report (fpdf2): summary, chart, table, listings, methods."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from influx import store
from influx.output import clean, web_link
from influx.report import files, fonts
from influx.report.chart import dot_plot
from influx.report.gather import ReportData
from influx.report.methods import COPIES_TEXT, READING, UNCERTAIN_TEXT
from influx.report.pdf_text import _fit, _fit_tail, _put
from influx.vocabulary import Setting, VideoStatus

MAX_LISTED = 300  # uncertain videos and near-duplicates listed in the PDF (all of them are in the database)


def fmt(x, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


class _PDF(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("dejavu", size=7)
        self.set_text_color(120)
        self.cell(0, 5, f"influx report · page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


COLUMNS = [("Rank", 11), ("Influencer", 34), ("Face", 18), ("Videos", 14), ("Adjusted", 18),
           ("Average", 18), ("Reliability", 20), ("First video", 57)]  # fmt: skip
ROW_H = 17.0


def write_pdf(data: ReportData, path: Path, db_name: str) -> None:
    """The PDF, written inside its folder only (files.write)."""
    pdf = _PDF(orientation="P", unit="mm", format="A4")
    fonts.add_fonts(pdf, [clean(n, 200) for n in data.stats.name if isinstance(n, str)])
    pdf.set_auto_page_break(False)
    pdf.set_title("influx: influencer performance report")
    _summary_page(pdf, data, db_name)
    _table(pdf, data)
    _listing(
        pdf,
        "Videos to check: influencer uncertain",
        UNCERTAIN_TEXT,
        data.uncertain,
        store.sql("report.uncertain_listing_sql"),
    )
    _listing(pdf, "Near-duplicate videos", COPIES_TEXT, data.copies,
             store.sql("report.copies_listing_sql"))  # fmt: skip
    _methods_page(pdf, data.settings, data.constants)
    files.write(path, bytes(pdf.output()))


def _summary_page(pdf: FPDF, data: ReportData, db_name: str) -> None:
    s, rel, stats = data.statuses, data.rel, data.stats
    pdf.add_page()
    pdf.set_font("dejavu", "B", 18)
    pdf.cell(0, 10, "Influencer performance report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", size=8)
    pdf.set_text_color(100)
    campaign = clean(data.settings.get(Setting.CAMPAIGN) or Path(db_name).stem, 120)
    pdf.cell(0, 5, f"Campaign: {campaign} · {datetime.now():%Y-%m-%d %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(3)
    rows = sum(s.values())
    shown = (VideoStatus.OK, VideoStatus.NO_FACES, VideoStatus.DUPLICATE, VideoStatus.FAILED, VideoStatus.PENDING)
    ok, no_faces, duplicates, failed, pending = (s.get(status, 0) for status in shown)
    reasons = ", ".join(f"{clean(k, 30)} {v}" for k, v in data.failures) or "none"
    icc = rel.get("icc")
    icc_text = "n/a" if icc is None or icc != icc else (
        f"{icc:.3f} (95% CI {fmt(_nan(rel['icc_ci_low']))} to {fmt(_nan(rel['icc_ci_high']))}), "
        f"{rel['interpretation']} (Koo & Li, 2016)"
    )  # fmt: skip
    if rel.get("reason"):
        icc_text += f" — {rel['reason']}"
    facts = [
        ("CSV rows", f"{rows}"),
        (
            "Rows without a readable score",
            f"{data.unscored} (in no average; videos.input_error says why)" if data.unscored else "0",
        ),
        ("Videos decoded", f"{ok + no_faces} ({ok} with faces)"),
        ("Duplicates (identical bytes)", f"{duplicates} (shown with their person, not counted as scores)"),
        (
            "Near-duplicates (re-encoded, trimmed)",
            f"{len(data.copies)} (listed after the table)" if data.copies else "0",
        ),
        ("Without faces", f"{no_faces}"),
        ("Failed", f"{failed} ({reasons})" if failed else "0"),
        ("Not yet processed", f"{pending}"),
        ("Faces stored / identified", f"{data.faces[0]} / {data.faces[1]}"),
        ("People found", f"{data.people}"),
        ("Influencers (dominant in ≥ 1 video)", f"{len(stats)}"),
        ("Videos with faces but no influencer", f"{data.no_influencer}"),
        (
            "Videos whose influencer is uncertain",
            f"{len(data.uncertain)} (listed after the table)" if data.uncertain else "0",
        ),
        ("Population reliability ICC(1)", icc_text),
        ("Test-retest correlation", _retest(rel)),
        ("Scores in the ICC", f"{int(rel['n_scores'])} from {int(rel['n_influencers'] or 0)} influencers with ≥ 2"),
    ]
    for label, value in facts:
        pdf.set_font("dejavu", "B", 9)
        pdf.cell(72, 6, label)
        pdf.set_font("dejavu", size=9)
        pdf.multi_cell(0, 6, clean(value, 400), new_x="LMARGIN", new_y="NEXT")
    if len(stats):
        pdf.ln(4)
        pdf.set_font("dejavu", "B", 11)
        pdf.cell(0, 7, "Average performance by influencer", new_x="LMARGIN", new_y="NEXT")
        _chart(pdf, stats)


def _chart(pdf: FPDF, stats) -> None:
    """The dot plot, with the names written by the PDF on the left of each row (any script)."""
    png, ratio, rows = dot_plot(stats)
    names_w = 55
    w = pdf.epw - names_w
    h = w * ratio
    if pdf.get_y() + h > pdf.h - 16:
        pdf.add_page()
    top = pdf.get_y()
    pdf.image(io.BytesIO(png), x=pdf.l_margin + names_w, y=top, w=w)
    pdf.set_font("dejavu", size=7)
    for label, frac in rows:
        number, _, name = label.partition(" ")
        text = f"{number} {fonts.shown(name)}" if name else number
        with fonts.shaping(pdf, text):
            pdf.set_xy(pdf.l_margin, top + frac * h - 2)
            pdf.cell(names_w - 1, 4, _fit(pdf, text, names_w - 2), align="R")
    pdf.set_xy(pdf.l_margin, top + h + 2)


def _retest(rel: dict) -> str:
    r, low, high = (_nan(rel.get(k)) for k in ("test_retest_r", "test_retest_ci_low", "test_retest_ci_high"))
    if r is None:
        return f"not given: {rel.get('test_retest_reason') or 'no pairs'}"
    interval = f", 95% CI {low:.2f} to {high:.2f}" if low is not None and high is not None else ""
    return f"r = {r:.3f} over {int(rel['n_pairs'])} pairs of consecutive videos{interval}"


def _nan(x):
    return None if x is None or x != x else float(x)


def _header(pdf: FPDF) -> None:
    pdf.set_font("dejavu", "B", 8)
    pdf.set_fill_color(230, 236, 245)
    for title, width in COLUMNS:
        pdf.cell(width, 7, title, border=1, fill=True, align="C")
    pdf.ln()


def _section(pdf: FPDF, room: float) -> None:
    """Start a section below what is on the page when `room` mm are left for it, else on a new page
    (a short report fits on few pages instead of one half-empty page per part)."""
    if pdf.page == 0 or pdf.get_y() + room > pdf.h - 16:
        pdf.add_page()
    else:
        pdf.ln(8)


def _table(pdf: FPDF, data: ReportData) -> None:
    pdf.set_font("dejavu", size=8)
    reading = 4.2 * len(pdf.multi_cell(0, 4.2, READING, dry_run=True, output="LINES"))
    head = 8 + 9 + reading + 2 + 7  # the space above, the title, how to read it, the column header
    whole = head + max(1, len(data.stats)) * ROW_H
    _section(pdf, whole if whole < pdf.h - 40 else head + 3 * ROW_H)  # all on one page if it can be; else 3 rows
    pdf.set_font("dejavu", "B", 13)
    pdf.cell(0, 9, "Influencers, ranked by reliability-adjusted performance", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", size=8)
    pdf.multi_cell(0, 4.2, READING, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _header(pdf)
    bottom = pdf.h - 16
    for r in data.stats.itertuples():
        if pdf.get_y() + ROW_H > bottom:  # rows never split; the header repeats
            pdf.add_page()
            _header(pdf)
        y, x = pdf.get_y(), pdf.l_margin
        widths = [w for _, w in COLUMNS]
        name = r.name if isinstance(r.name, str) and r.name else ""
        reliability = "n/a" if _nan(r.reliability) is None else f"{r.reliability:.3f}"
        adjusted = fmt(_nan(r.adjusted_performance))
        avg = fmt(_nan(r.avg_performance))
        pdf.set_font("dejavu", size=8)
        texts = [str(r.rank), None, None, str(r.n_videos), adjusted, avg, reliability, None]
        for (_, w), t in zip(COLUMNS, texts, strict=True):
            pdf.rect(x, y, w, ROW_H)
            if t is not None:
                _put(pdf, x, y, w, ROW_H, t)
            x += w
        # under the average: its 95% interval's half-width, or that it rests on one video
        low, high = _nan(r.avg_ci_low), _nan(r.avg_ci_high)
        note = "1 video" if r.n_scores == 1 else ""
        if low is not None and high is not None:
            note = f"±{(high - low) / 2:.2f}" + (" · 1 video" if r.n_scores == 1 else "")
        if note:
            pdf.set_font("dejavu", size=6)
            _put(pdf, pdf.l_margin + sum(widths[:5]), y + ROW_H - 5, widths[5], 4, note)
            pdf.set_font("dejavu", size=8)
        # influencer id and name
        x0 = pdf.l_margin + widths[0]
        pdf.set_font("dejavu", "B", 9)
        _put(pdf, x0 + 1, y + 3, widths[1] - 2, 5, f"#{r.influencer_id}", center=False)
        if name:
            pdf.set_font("dejavu", size=7)
            pdf.set_xy(x0 + 1, y + 9)
            shown = fonts.shown(clean(name, 200))
            with fonts.shaping(pdf, shown):
                pdf.cell(widths[1] - 2, 4, _fit(pdf, shown, widths[1] - 2))
        # face
        crop = data.crops.get(r.influencer_id)
        if crop:
            fx = pdf.l_margin + widths[0] + widths[1]
            pdf.image(io.BytesIO(crop), x=fx + 1.5, y=y + 1, h=ROW_H - 2, keep_aspect_ratio=True, w=widths[2] - 3)
        # first video URL, clickable
        url = clean(r.first_video_url, 2000)
        ux = pdf.l_margin + sum(widths[:-1])
        pdf.set_font("dejavu", size=6.5)
        pdf.set_text_color(30, 80, 160)
        link = web_link(r.first_video_url) or ""  # never file:, javascript: ...
        _put(pdf, ux + 1, y + 5, widths[-1] - 2, 6, _fit_tail(pdf, url, widths[-1] - 2), center=False, link=link)
        pdf.set_text_color(0)
        pdf.set_xy(pdf.l_margin, y + ROW_H)
    if not len(data.stats):
        pdf.set_font("dejavu", size=9)
        pdf.cell(0, 10, "No influencer yet: run `influx ingest` and `influx cluster`.")


def _listing(pdf: FPDF, title: str, text: str, rows: list, more_sql: str) -> None:
    """A page listing videos to look at: (row, influencer, reason, URL), the first MAX_LISTED."""
    if not rows:
        return
    pdf.set_font("dejavu", size=8)
    _section(pdf, 8 + 9 + 4.5 * len(pdf.multi_cell(0, 4.5, text, dry_run=True, output="LINES")) + 2 + 3 * 9)
    pdf.set_font("dejavu", "B", 13)
    pdf.cell(0, 9, f"{title} ({len(rows)})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", size=8)
    pdf.multi_cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for row, url, influencer, reason in rows[:MAX_LISTED]:
        # the reason in full, on as many lines as it needs (up to 4), beside the row and its URL
        lines = pdf.multi_cell(80, 4, clean(reason, 400), dry_run=True, output="LINES")
        if len(lines) > 4:  # a longer reason (a crafted file) ends with an ellipsis, never silently
            lines = [*lines[:3], _fit(pdf, lines[3] + " " + lines[4], 78)]
        if pdf.get_y() + 4 * len(lines) > pdf.h - 20:
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(14, 4, f"row {row}")
        pdf.cell(16, 4, "-" if influencer is None else f"#{influencer}")
        pdf.multi_cell(80, 4, "\n".join(lines), new_x="RIGHT", new_y="TOP")
        pdf.cell(0, 4, _fit_tail(pdf, clean(url, 2000), pdf.epw - 112))
        pdf.set_xy(pdf.l_margin, y + 4 * len(lines) + 1)
    if len(rows) > MAX_LISTED:
        pdf.cell(0, 6, f'… and {len(rows) - MAX_LISTED} more: influx sql "{more_sql}"', new_x="LMARGIN", new_y="NEXT")


def _methods_page(pdf: FPDF, settings: dict, constants: dict) -> None:
    from influx.report.methods import methods

    _section(pdf, 100)
    pdf.set_font("dejavu", "B", 13)
    pdf.cell(0, 9, "Methods", new_x="LMARGIN", new_y="NEXT")
    for title, text in methods(settings, constants):
        pdf.set_font("dejavu", size=8.5)
        if pdf.get_y() + 6 + 4.6 * len(pdf.multi_cell(0, 4.6, text, dry_run=True, output="LINES")) > pdf.h - 16:
            pdf.add_page()  # a paragraph is never cut by the page's end
        pdf.set_font("dejavu", "B", 9)
        pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", size=8.5)
        pdf.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
