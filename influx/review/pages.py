"""What `influx review` shows and does, over the database file alone.

Every call opens the file for itself and closes it before returning (DuckDB allows one writer per
file: holding it open would lock out `influx cluster`, `merge`, ... while the page is open).
Reads open it read-only and run the data checks, as `influx people` and `report` do; corrections
go through the same functions of `identity/corrections.py` as the commands, so they are stored as corrections
that survive `influx cluster`.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from influx import store
from influx.identity import corrections as fixes
from influx.identity import suggestions
from influx.identity.grouping import MERGE_DISTANCE
from influx.identity.suggestions import LOOKALIKE  # suggested merges, as `influx people --suggest-merges`
from influx.report import images
from influx.vocabulary import Setting

PAGE = 25  # cards a page: 500 people, 5,000 videos open in pages, not at once
PER_PERSON = 12  # videos shown with a person on the people page (all on the person's own page)
FAR = 0.8  # a video farther than this share of the merge distance from its person's other videos is doubtful

# One connection at a time in this process: DuckDB refuses a writer while a reader of the same file
# is open in the same process, and the server answers requests on several threads.
_lock = threading.Lock()


class ReviewError(Exception):
    """A request that cannot be done (bad id, unknown action); the message says why, in one line."""


@contextmanager
def reading(path: Path):
    """A read-only, checked connection for one request."""
    with _lock:
        con = fixes.connect_verified(path, read_only=True)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def writing(path: Path):
    """A writable connection for one correction, as the commands open it (`cli_base.open_rw`)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no database at {path}")
    with _lock:
        con = store.connect(path)
        try:
            store.refresh_quantiles(con)
            yield con
        finally:
            con.close()


def _rows(con, name: str, params: dict) -> list[dict]:
    rel = con.execute(store.sql(f"review.{name}"), params)
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


def link(url) -> str | None:
    """`url` if it may be a link on the page: http or https with a host; anything else (javascript:,
    file:, data:, a path) is shown as text only."""
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _pages(total: int, page: int) -> dict:
    last = max(0, (total - 1) // PAGE)
    return {"page": page, "last": last, "total": total}


def merge_suggestions(con) -> list[tuple[int, int, float]]:
    return suggestions.suggest_merges(con, LOOKALIKE, limit=200)


def videos_by_doubt(con, page: int = 0) -> dict:
    """The videos with an influencer, doubtful ones first (with the reason), one page."""
    far = FAR * store.number_setting(con, Setting.MERGE_DISTANCE, MERGE_DISTANCE)
    lookalikes = sorted({i for a, b, _ in merge_suggestions(con) for i in (a, b)})
    rows = _rows(con, "videos_by_doubt", {"far": far, "lookalikes": lookalikes, "limit": PAGE,
                                          "offset": page * PAGE})  # fmt: skip
    total = rows[0]["total"] if rows else 0
    doubtful = rows[0]["doubtful"] if rows else _doubtful_count(con, far, lookalikes)
    for r in rows:
        r["link"] = link(r["video_url"])
    return {"videos": rows, "doubtful": doubtful, **_pages(total, page)}


def _doubtful_count(con, far, lookalikes) -> int:
    rows = _rows(con, "videos_by_doubt", {"far": far, "lookalikes": lookalikes, "limit": 1, "offset": 0})
    return rows[0]["doubtful"] if rows else 0


def people_page(con, page: int = 0, person: int | None = None) -> dict:
    """One page of people with their numbers and a face per video (all videos for one `person`)."""
    people = _rows(con, "people_page", {"person": person, "limit": PAGE, "offset": page * PAGE})
    ids = [p["influencer_id"] for p in people]
    per = 100_000 if person is not None else PER_PERSON
    videos = _rows(con, "videos_of", {"ids": ids, "per": per})
    for p in people:
        p["videos"] = [v for v in videos if v["influencer_id"] == p["influencer_id"]]
        for v in p["videos"]:
            v["link"] = link(v["video_url"])
    total = people[0]["total"] if people else 0
    return {"people": people, **_pages(total, page)}


def merges_page(con, page: int = 0) -> dict:
    """Suggested merges, the closest first: the two people side by side."""
    pairs = merge_suggestions(con)
    shown = pairs[page * PAGE : (page + 1) * PAGE]
    ids = sorted({i for a, b, _ in shown for i in (a, b)})
    by_id = {r["influencer_id"]: r for r in _rows(con, "people_by_id", {"ids": ids})}
    return {"pairs": [(by_id[a], by_id[b], d) for a, b, d in shown], **_pages(len(pairs), page)}


def corrections(con) -> list[dict]:
    """The corrections that apply, in order, then those taken back (`undone_at` set)."""
    return [dict(zip(fixes.CORRECTION_COLUMNS, row, strict=True)) for row in fixes.list_corrections(con)]


def overview(con) -> dict:
    """Counts for the page's header, the ICC line, and the people to choose from."""
    return {"counts": _rows(con, "counts", {})[0], "reliability": _rows(con, "reliability", {})[0],
            "choices": _rows(con, "person_choices", {})}  # fmt: skip


def crops(con, face_ids: list[int]) -> dict[int, bytes]:
    """Face crops that are small, valid JPEGs (others are not served: the file is untrusted)."""
    out = {}
    for face_id, crop in con.execute(store.sql("review.crops"), {"ids": face_ids}).fetchall():
        jpeg = images.safe_jpeg(crop)
        if jpeg is not None:
            out[face_id] = jpeg
    return out


def _int(form: dict, key: str) -> int:
    value = str(form.get(key, "")).strip()
    if not value.isdigit() or len(value) > 12:
        raise ReviewError(f"{key} must be a number, not {value[:40]!r}")
    return int(value)


def act(con, action: str, form: dict) -> str:
    """Make one correction with the library call the command uses; returns what changed, in words."""
    if action == "rename":
        person, name = _int(form, "id"), str(form.get("name", "")).strip()
        fixes.rename(con, person, name or None)
        return f"#{person} is now {name!r}" if name else f"#{person} has no name now"
    if action == "merge":
        source, target = _int(form, "from"), _int(form, "into")
        n = fixes.merge(con, source, target)
        return f"merged #{source} into #{target} (correction {n})"
    if action == "unmerge":
        person = _int(form, "id")
        ids = fixes.unmerge(con, person)
        return f"separate again: #{person} and " + ", ".join(f"#{i}" for i in ids if i != person)
    if action == "move":
        row, to = _int(form, "row"), str(form.get("to", "")).strip()
        old, new, n = fixes.move(con, row, None if to.lower() == "new" else _int(form, "to"))
        return f"row {row}: #{old} → #{new} (correction {n})"
    if action == "not_influencer":
        person = _int(form, "id")
        n = fixes.not_influencer(con, person)
        return f"#{person} is not an influencer (correction {n})"
    if action == "undo":
        n = _int(form, "correction")
        kind, person, target, row = fixes.undo(con, n)
        return (
            f"undone: correction {n} ({kind.replace('_', ' ')} #{person}"
            + (f" → #{target}" if target is not None else "")
            + (f", row {row}" if row is not None else "")
            + ")"
        )
    raise ReviewError(f"unknown action {action!r}")
