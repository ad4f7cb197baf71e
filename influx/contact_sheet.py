"""The contact sheet: every person's faces across their videos on one static HTML page, so that a
user can check the grouping in seconds (opened from the file system; no server, no scripts)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from . import db
from .images import safe_jpeg

MAX_VIDEOS = 24  # faces shown per person
MAX_PAIRS = 50  # possible merges shown


def _img(crop: bytes, title: str) -> str:
    crop = safe_jpeg(crop)
    if crop is None:
        return f"<span title='{html.escape(title)}'>[no image]</span>"
    data = base64.b64encode(crop).decode()
    return f'<img src="data:image/jpeg;base64,{data}" alt="{html.escape(title)}" title="{html.escape(title)}">'


def write(con, path: Path, merges: list[tuple[int, int, float]]) -> None:
    """Write the page for the open database `con` to `path`."""
    people = con.execute(db.sql("contact_sheet.people")).fetchall()
    faces: dict[int, list] = {}
    for pid, row, crop, main, uncertain in con.execute(db.read_sql("queries/contact_sheet.sql")).fetchall():
        faces.setdefault(pid, []).append((row, crop, main, uncertain))
    best = dict(con.execute(db.read_sql("queries/representative_faces.sql")).fetchall())
    out = [
        "<!doctype html><meta charset=utf-8><title>influx: people</title><style>",
        "body{font:14px sans-serif;margin:1.5em} section{border-top:1px solid #ccc;padding:.5em 0}",
        "figure{display:inline-block;margin:3px;text-align:center;font-size:11px}",
        "img{height:96px;display:block} .other img{opacity:.55} .uncertain{outline:3px solid #d33}",
        ".pair img{height:120px;display:inline-block;margin-right:4px}</style>",
        "<h1>People found</h1><p>Each row is one person: their best face in each video, with the CSV row. "
        "Faded: videos where they are not the influencer. Red frame: the video's influencer is uncertain "
        "(see README). Fix mistakes with <code>influx merge</code>, <code>influx move</code>, "
        "<code>influx not-influencer</code>.</p>",
    ]
    for pid, name, n_videos, n_seen, excluded in people:
        title = f"#{pid}" + (f" {name}" if name else "")
        note = " · not an influencer" if excluded else ""
        out.append(f"<section id=p{int(pid)}><h2>{html.escape(title)}</h2><p>influencer of {int(n_videos)} "
                   f"video{'' if n_videos == 1 else 's'}, seen in {int(n_seen)}{note}</p>")  # fmt: skip
        shown = faces.get(pid, [])
        for row, crop, main, uncertain in shown[:MAX_VIDEOS]:
            cls = " ".join(c for c, on in (("other", not main), ("uncertain", uncertain)) if on)
            out.append(f'<figure class="{cls}">{_img(crop, f"row {row}")}row {int(row)}</figure>')
        if len(shown) > MAX_VIDEOS:
            out.append(f"<p>… and {len(shown) - MAX_VIDEOS} more videos</p>")
        out.append("</section>")
    if merges:
        out.append("<h1>Possible merges</h1><p>Pairs whose mean faces are close: one person split in two? "
                   "<code>influx merge FROM INTO</code> joins them.</p>")  # fmt: skip
        names = {p[0]: p[1] for p in people}
        for a, b, d in merges[:MAX_PAIRS]:
            faces_ab = "".join(_img(best[i], f"#{i}") for i in (a, b) if i in best)
            label = " and ".join(f"#{i}" + (f" {names[i]}" if names.get(i) else "") for i in (a, b))
            out.append(f'<section class="pair">{faces_ab}<p>{html.escape(label)}: distance {d:.3f}</p></section>')
    path.write_text("\n".join(out), encoding="utf-8")
