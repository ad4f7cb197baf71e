"""The contact sheet: every person's faces across their videos on one static HTML page, so that a
user can check the grouping in seconds (opened from the file system; no server, no scripts)."""

from __future__ import annotations

import base64
import html

from influx import store
from influx.output import display, display_name, web_link
from influx.report import fonts
from influx.report.images import MAX_BYTES, Budget, safe_jpeg

MAX_VIDEOS = 24  # faces shown per person
MAX_PAIRS = 50  # possible merges shown
# Names in any script: the system's fonts first, then the CJK subset embedded in the page (if any).
FONTS = ('influx-cjk, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", '
         '"PingFang SC", "Hiragino Sans", "Microsoft YaHei", "Noto Sans Arabic", "Geeza Pro", Tahoma, '
         'sans-serif')  # fmt: skip
STYLE = (
    "body{font:14px/1.4 %s;margin:1.5em;max-width:75em} section{border-top:1px solid #ccc;padding:.5em 0}"
    " figure{display:inline-block;margin:3px;text-align:center;font-size:11px;vertical-align:top;width:100px}"
    " img{height:96px;display:block;margin:auto} .other img{opacity:.55} .uncertain{outline:3px solid #d33}"
    " .pair img{height:120px;display:inline-block;margin-right:4px} .stats{color:#333} .none{color:#777}"
    " figure a{word-break:break-all}"
)


def _e(text) -> str:
    return html.escape(display(text, 300), quote=True)


def _img(crop, title: str, budget: Budget) -> str:
    crop = budget.take(safe_jpeg(crop))
    if crop is None:
        return f"<span title='{_e(title)}'>[no image]</span>"
    data = base64.b64encode(crop).decode()
    return f'<img src="data:image/jpeg;base64,{data}" alt="{_e(title)}" title="{_e(title)}">'


def _link(url) -> str:
    """The video's URL: a link only when it is http(s) (never file:, javascript:, data:)."""
    text = display(url, 2000)
    if web_link(url):
        return f'<a href="{html.escape(url, quote=True)}" title="{_e(url)}">video</a>'
    return f'<span title="{_e(text)}">{_e(text[:40])}</span>' if text else ""


def _num(x, digits: int = 3) -> str:
    return "n/a" if x is None or x != x else f"{x:.{digits}f}"


def _stats_line(n_videos, n_dup, n_seen, excluded, avg, low, high, reliability, rank) -> str:
    if excluded:
        return f"not an influencer (marked with influx not-influencer) · seen in {int(n_seen)}"
    if not n_videos:
        return f"never a video's influencer · seen in {int(n_seen)}"
    words = [f"rank {int(rank)}" if rank is not None else "",
             f"influencer of {int(n_videos)} video{'' if n_videos == 1 else 's'}"
             + (f" (+{int(n_dup)} duplicate{'' if n_dup == 1 else 's'})" if n_dup else ""),
             f"seen in {int(n_seen)}",
             f"average {_num(avg)}" + (f" ±{(high - low) / 2:.2f} (95% interval)" if low is not None
                                       and high is not None and low == low else ""),
             f"reliability {_num(reliability)}"]  # fmt: skip
    return " · ".join(w for w in words if w)


def write(con, merges: list[tuple[int, int, float]], budget: Budget | None = None) -> str:
    """The page for the open database `con`, as text."""
    budget = budget or Budget()
    people = con.execute(store.sql("report.contact_sheet_people")).fetchall()
    faces: dict[int, list] = {}
    rows = con.execute(store.sql("report.contact_sheet"), {"max_bytes": MAX_BYTES}).fetchall()
    for pid, row, crop, main, uncertain, score, url in rows:
        faces.setdefault(pid, []).append((row, crop, main, uncertain, score, url))
    best = dict(con.execute(store.sql("faces.representative_faces"), {"max_bytes": MAX_BYTES}).fetchall())
    names = {p[0]: display_name(p[1], 200) for p in people}
    font = fonts.cjk_subset([n for n in names.values() if n])
    face = (f"@font-face{{font-family:influx-cjk;src:url(data:font/otf;base64,{base64.b64encode(font).decode()})"
            ' format("opentype")}' if font else "")  # fmt: skip
    out = [
        f"<!doctype html><meta charset=utf-8><title>influx: people</title><style>{face}{STYLE % FONTS}</style>",
        "<h1>People found</h1><p>Each row is one person, best first: their best face in each video, with the CSV "
        "row, its score and a link to the video. Faded: videos where they are not the influencer. Red frame: the "
        "video's influencer is uncertain (see docs/how-it-works.md). ± is the 95% interval of the average. "
        "Fix mistakes with <code>influx review</code>, or <code>influx merge</code>, <code>influx move</code>, "
        "<code>influx not-influencer</code>.</p>",
    ]
    if not people:
        out.append("<p class=none><b>Nobody was found yet.</b> Run <code>influx cluster</code> after "
                   "<code>influx ingest</code>; if you did, no video had a face that could be read.</p>")  # fmt: skip
    for pid, _, n_videos, n_dup, n_seen, excluded, avg, low, high, reliability, rank in people:
        title = f"#{pid}" + (f" {names[pid]}" if names[pid] else "")
        line = _stats_line(n_videos, n_dup, n_seen, excluded, avg, low, high, reliability, rank)
        out.append(f"<section id=p{int(pid)}><h2>{html.escape(title)}</h2><p class=stats>{html.escape(line)}</p>")
        shown = faces.get(pid, [])
        for row, crop, main, uncertain, score, url in shown[:MAX_VIDEOS]:
            cls = " ".join(c for c, on in (("other", not main), ("uncertain", uncertain)) if on)
            out.append(f'<figure class="{cls}">{_img(crop, f"row {row}", budget)}row {int(row)} · score '
                       f"{_num(score)}<br>{_link(url)}</figure>")  # fmt: skip
        if len(shown) > MAX_VIDEOS:
            out.append(f"<p>… and {len(shown) - MAX_VIDEOS} more videos</p>")
        out.append("</section>")
    if merges:
        out.append("<h1>Possible merges</h1><p>Pairs whose mean faces are close: one person split in two? "
                   "<code>influx merge FROM INTO</code> joins them.</p>")  # fmt: skip
        for a, b, d in merges[:MAX_PAIRS]:
            faces_ab = "".join(_img(best.get(i), f"#{i}", budget) for i in (a, b))
            label = " and ".join(f"#{i}" + (f" {names[i]}" if names.get(i) else "") for i in (a, b))
            out.append(f'<section class="pair">{faces_ab}<p>{html.escape(label)}: distance {d:.3f}</p></section>')
    if budget.skipped:
        out.append(f"<p class=none>{budget.skipped} face images were left out: the report's limit of face image"
                   " bytes was reached (the database holds unusually large crops).</p>")  # fmt: skip
    return "\n".join(out) + "\n"
