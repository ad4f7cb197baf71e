"""People: ids that carry over from one clustering to the next, names, and the user's corrections.

Every function takes an open connection (the CLI opens it). Corrections are rows of the
`corrections` table, applied in order on top of each face's `cluster_id` (what the clustering
said) to give `influencer_id` (what the reports use); undoing one deletes its row and applies
the rest again, so every correction can be made, undone and made again.
"""

from __future__ import annotations

import numpy as np

from . import db
from .grouping import cross_distances, mean_by


class PeopleError(Exception):
    """A correction that cannot be made (unknown id or row); the message says why."""


def match_ids(con, face_ids: np.ndarray, person: np.ndarray, rows: np.ndarray) -> dict[int, int]:
    """Map person numbers to ids, one to one, keeping as many faces on their old id as possible.

    A person takes an old id (one alive in the last clustering, or remembered in
    `person_memory`) only when they share most of the faces of one of the two. Other people
    get new ids after every id ever given, in order of first appearance (lowest row_index).
    """
    from scipy.optimize import linear_sum_assignment

    people = np.unique(person[person >= 0])
    if len(people) == 0:
        return {}
    old = con.execute(db.read_sql("queries/old_ids.sql")).fetchall()  # (face_id, id), a face may have several
    old_ids = sorted({i for _, i in old})
    mapping: dict[int, int] = {}
    if old_ids:
        col = {i: k for k, i in enumerate(old_ids)}
        pindex = {int(p): k for k, p in enumerate(people)}
        of_face = dict(zip(face_ids.tolist(), (pindex.get(int(p), -1) for p in person), strict=True))
        overlap = np.zeros((len(people), len(old_ids)))
        old_size = np.zeros(len(old_ids))
        for f, i in old:
            old_size[col[i]] += 1
            if of_face.get(f, -1) >= 0:
                overlap[of_face[f], col[i]] += 1
        new_size = np.bincount([pindex[int(p)] for p in person[person >= 0]], minlength=len(people))
        eligible = 2 * overlap > np.minimum(new_size[:, None], old_size[None, :])
        score = np.where(eligible, overlap, 0)
        r, c = linear_sum_assignment(score, maximize=True)
        for i, j in zip(r, c, strict=True):
            if score[i, j] > 0:
                mapping[int(people[i])] = old_ids[j]
    first = con.execute(db.sql("people.max_person_id")).fetchone()[0]
    first = max([first, *old_ids]) + 1
    new = sorted((int(rows[person == p].min()), int(p)) for p in people if int(p) not in mapping)
    for k, (_, p) in enumerate(new):
        mapping[p] = first + k
    return mapping


def apply_corrections(con, rows: np.ndarray, sizes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The user's merges and moves, in order, applied to the clustering's ids (-1: unlabelled).
    A correction influx would not make (a crafted file) is refused, not guessed at."""
    bad = con.execute(db.read_sql("checks/corrections_are_well_formed.sql")).fetchone()
    if bad is not None:
        raise db.BadDatabase(f"correction {bad[0]} ({bad[1]}) is not one influx makes (a crafted or damaged"
                             f" file): refused; `influx undo {bad[0]}` removes it")  # fmt: skip
    ids = ids.copy()
    excluded = set()
    for kind, influencer_id, target_id, row_index in con.execute(db.read_sql("queries/corrections.sql")).fetchall():
        if kind == "merge":
            ids[ids == influencer_id] = target_id
        elif kind == "not_influencer":
            excluded.add(influencer_id)
        elif kind == "move":
            here = (rows == row_index) & (ids >= 0) & ~np.isin(ids, list(excluded))
            if here.any():
                presence = {}
                for i, s in zip(ids[here].tolist(), sizes[here].tolist(), strict=True):
                    presence[i] = presence.get(i, 0.0) + s
                dominant = min(presence, key=lambda i: (-presence[i], i))
                ids[(rows == row_index) & (ids == dominant)] = target_id
    return ids


def relabel(con) -> None:
    """Apply the corrections to the stored clustering again and rebuild the people tables."""
    faces = con.execute(db.sql("people.labelled_faces")).fetchnumpy()
    ids = apply_corrections(con, faces["row_index"], faces["face_size"].astype(float), faces["cluster_id"])
    write_labels(con, faces["face_id"], None, faces["cluster_id"], ids)


def write_labels(con, face_ids, tracks, cluster_ids, ids, merge_distance: float | None = None) -> None:
    """Store face labels, then rebuild `video_people` and `influencers` (one transaction)."""
    import pandas as pd

    def nullable(a):
        return pd.array([None if i < 0 else int(i) for i in a], dtype="Int64")

    labels = pd.DataFrame({"face_id": face_ids, "cluster_id": nullable(cluster_ids), "influencer_id": nullable(ids)})
    if tracks is not None:
        labels["track_id"] = tracks
    if merge_distance is None:  # corrections: the distance of the clustering they apply to
        from .grouping import MERGE_DISTANCE

        merge_distance = db.number_setting(con, "merge_distance", MERGE_DISTANCE)
    with db.transaction(con):
        con.register("new_labels", labels)
        if tracks is not None:  # a new clustering
            con.execute(db.read_sql("queries/remember_ids.sql"))
            con.execute(db.sql("people.clear_labels"))
            con.execute(db.sql("people.store_tracks"))
        else:
            con.execute(db.sql("people.clear_people"))
        con.execute(db.sql("people.store_labels"))
        con.unregister("new_labels")
        con.execute(db.sql("people.add_new_person_ids"))
        con.execute(db.read_sql("derive/video_people.sql"))
        _store_uncertainty(con, merge_distance)
        con.execute(db.read_sql("derive/influencers.sql"))
        db.refresh_quantiles(con)


def _store_uncertainty(con, merge_distance: float) -> None:
    from .grouping import uncertainty

    got, embeddings = db.fetch_vectors(con, db.read_sql("queries/video_person_means.sql"))
    if not len(got["row_index"]):
        return
    import pandas as pd

    rows, vectors = mean_by(np.asarray(got["row_index"]), embeddings)
    first = np.unique(np.asarray(got["row_index"]), return_index=True)[1]
    person = np.asarray(got["influencer_id"])[first]  # one influencer per video
    distance, margin = uncertainty(person, vectors, merge_distance)
    frame = pd.DataFrame({"row_index": rows, "distance": pd.array(distance, dtype="Float64"),
                          "margin": pd.array(margin, dtype="Float64")})  # fmt: skip
    con.register("new_uncertainty", frame)
    con.execute(db.sql("people.store_uncertainty"))
    con.unregister("new_uncertainty")


def _known(con, influencer_id: int) -> None:
    if not con.execute(db.sql("people.influencer_exists"), [influencer_id]).fetchone():
        raise PeopleError(f"no person with id {influencer_id} (see: influx people)")


def rename(con, influencer_id: int, name: str | None) -> str | None:
    """Give `influencer_id` a name (None clears it); returns the name it had."""
    _known(con, influencer_id)
    if name is not None and not name.strip():
        raise PeopleError("a name needs a visible character (to remove a name: influx rename ID --clear)")
    old = con.execute(db.sql("history.person_name"), [influencer_id]).fetchone()
    with db.transaction(con):
        con.execute(db.sql("people.rename_person_id"), [name, influencer_id])
        con.execute(db.sql("people.rename_influencer"), [name, influencer_id])
    return old[0] if old else None


def _correct(con, kind: str, influencer_id=None, target_id=None, row_index=None) -> int:
    correction_id = con.execute(
        db.sql("people.add_correction"),
        [kind, influencer_id, target_id, row_index],
    ).fetchone()[0]
    relabel(con)
    return correction_id


def merge(con, from_id: int, into_id: int) -> int:
    """All faces of `from_id` become `into_id`'s, now and after every later clustering."""
    _known(con, from_id)
    _known(con, into_id)
    if from_id == into_id:
        raise PeopleError("cannot merge a person into themselves")
    return _correct(con, "merge", from_id, into_id)


def unmerge(con, influencer_id: int) -> list[int]:
    """Undo every merge into or of `influencer_id`; returns the ids that are separate again."""
    merges = con.execute(
        db.sql("people.merges_of"),
        [influencer_id],
    ).fetchall()
    if not merges:
        raise PeopleError(f"no merge involves person {influencer_id} (see: influx corrections)")
    ids = [c for c, _ in merges]
    with db.transaction(con):  # kept in undone_corrections: unmerge takes merges back, it does not erase them
        con.execute(db.sql("history.keep_undone"), ["unmerge", ids])
        con.execute(db.sql("people.delete_corrections"), [ids])
    relabel(con)
    return sorted({i for _, i in merges})


def move(con, row_index: int, to: int | None) -> tuple[int | None, int, int]:
    """Make `to` (None: a new person) the influencer of video `row_index`; returns the old and new
    ids and the correction's id."""
    got = con.execute(db.sql("people.influencer_of_row"), [row_index]).fetchone()
    if got is None:
        raise PeopleError(f"no row {row_index} in the database")
    status = con.execute(db.sql("people.row_status"), [row_index]).fetchone()
    if status[0] == "duplicate":
        raise PeopleError(f"row {row_index} is a duplicate of row {status[1]}: move row {status[1]} instead")
    if got[0] is None:
        raise PeopleError(f"row {row_index} has no identified person to move (status {status[0]})")
    if to is None:
        to = con.execute(db.sql("people.next_person_id")).fetchone()[0]
        con.execute(db.sql("people.add_person_id"), [to])
    elif not con.execute(db.sql("people.person_id_exists"), [to]).fetchone():
        raise PeopleError(f"no person with id {to} (see: influx people; or --to new)")
    if to == got[0]:
        raise PeopleError(f"person {to} is already the influencer of row {row_index}")
    return got[0], to, _correct(con, "move", got[0], to, row_index)


def not_influencer(con, influencer_id: int) -> int:
    """Never count `influencer_id` as a video's influencer (a crew member, a stock face)."""
    _known(con, influencer_id)
    return _correct(con, "not_influencer", influencer_id)


def undo(con, correction_id: int) -> tuple:
    """Take one correction back (kept in undone_corrections) and apply the others again; returns
    the correction's row."""
    row = con.execute(db.sql("people.correction"), [correction_id]).fetchone()
    if row is None:
        done = con.execute(db.sql("history.undone"), [correction_id]).fetchone()
        if done:
            raise PeopleError(f"correction {correction_id} was already undone ({done[1]}, {done[0]:%Y-%m-%d %H:%M})")
        raise PeopleError(f"no correction {correction_id} (see: influx corrections)")
    with db.transaction(con):
        con.execute(db.sql("history.keep_undone"), ["undo", [correction_id]])
        con.execute(db.sql("people.delete_correction"), [correction_id])
    relabel(con)
    return row


CORRECTION_COLUMNS = ["correction_id", "kind", "influencer_id", "target_id", "row_index", "created_at", "undone_at"]


def list_corrections(con) -> list[tuple]:
    """The corrections (CORRECTION_COLUMNS): those that apply, in order, then those taken back
    (`undone_at` set)."""
    return con.execute(db.sql("history.listing")).fetchall()


def suggest_merges(con, max_distance: float = 0.6, limit: int = 200) -> list[tuple[int, int, float]]:
    """The `limit` closest pairs of people whose mean faces are closer than `max_distance`."""
    got, embeddings = db.fetch_vectors(con, db.sql("people.person_embeddings"))
    if len(np.unique(got["influencer_id"])) < 2:
        return []
    ids, centres = mean_by(np.asarray(got["influencer_id"]), embeddings)
    ids = [int(i) for i in ids]
    out = []
    for s in range(0, len(ids), 1024):  # blocked: 5,000 people need 40 MB at a time, not 24 GB
        d = cross_distances(centres[s : s + 1024], centres)
        for i, j in zip(*np.nonzero(d < max_distance), strict=True):
            if s + i < j:
                out.append((ids[s + i], ids[j], float(d[i, j])))
        if len(out) > 4 * limit:
            out = sorted(out, key=lambda x: (x[2], x[0], x[1]))[:limit]
    return sorted(out, key=lambda x: (x[2], x[0], x[1]))[:limit]
