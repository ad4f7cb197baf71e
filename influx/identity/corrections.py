"""The user's corrections (rename, merge, move, not-influencer, undo), stored and applied."""

from __future__ import annotations

import numpy as np

from influx import store
from influx.identity.ids import first_new_id, write_labels
from influx.vocabulary import CorrectionKind, VideoStatus


class PeopleError(Exception):
    """A correction that cannot be made (unknown id or row); the message says why."""


def apply_corrections(con, rows: np.ndarray, sizes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The user's merges and moves, in order, applied to the clustering's ids (-1: unlabelled).
    A correction influx would not make (a crafted file) is refused, not guessed at."""
    bad = store.first_failure(con, "corrections_are_well_formed")
    if bad is not None:
        raise store.BadDatabase(f"correction {bad[0]} ({bad[1]}) is not one influx makes (a crafted or damaged"
                             f" file): refused; `influx undo {bad[0]}` removes it")  # fmt: skip
    ids = ids.copy()
    excluded = set()
    for kind, influencer_id, target_id, row_index in con.execute(store.sql("corrections.in_order")).fetchall():
        if kind == CorrectionKind.MERGE:
            ids[ids == influencer_id] = target_id
        elif kind == CorrectionKind.NOT_INFLUENCER:
            excluded.add(influencer_id)
        elif kind == CorrectionKind.MOVE:
            here = (rows == row_index) & (ids >= 0) & ~np.isin(ids, list(excluded))
            if here.any():
                presence = {}
                for i, s in zip(ids[here].tolist(), sizes[here].tolist(), strict=True):
                    presence[i] = presence.get(i, 0.0) + s
                dominant = min(presence, key=lambda i: (-presence[i], i))
                ids[(rows == row_index) & (ids == dominant)] = target_id
    return ids


def _known(con, influencer_id: int) -> None:
    if not con.execute(store.sql("people.influencer_exists"), [influencer_id]).fetchone():
        raise PeopleError(f"no person with id {influencer_id} (see: influx people)")


def rename(con, influencer_id: int, name: str | None) -> str | None:
    """Give `influencer_id` a name (None clears it); returns the name it had."""
    _known(con, influencer_id)
    if name is not None and not name.strip():
        raise PeopleError("a name needs a visible character (to remove a name: influx rename ID --clear)")
    old = con.execute(store.sql("corrections.person_name"), [influencer_id]).fetchone()
    with store.transaction(con):
        con.execute(store.sql("people.rename_person_id"), [name, influencer_id])
        con.execute(store.sql("people.rename_influencer"), [name, influencer_id])
    return old[0] if old else None


def _correct(con, kind: CorrectionKind, influencer_id=None, target_id=None, row_index=None) -> int:
    correction_id = con.execute(
        store.sql("corrections.add_correction"),
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
    return _correct(con, CorrectionKind.MERGE, from_id, into_id)


def unmerge(con, influencer_id: int) -> list[int]:
    """Undo every merge into or of `influencer_id`; returns the ids that are separate again."""
    merges = con.execute(
        store.sql("corrections.merges_of"),
        [influencer_id],
    ).fetchall()
    if not merges:
        raise PeopleError(f"no merge involves person {influencer_id} (see: influx corrections)")
    ids = [c for c, _ in merges]
    with store.transaction(con):  # kept in undone_corrections: unmerge takes merges back, it does not erase them
        con.execute(store.sql("corrections.keep_undone"), ["unmerge", ids])
        con.execute(store.sql("corrections.delete_corrections"), [ids])
    relabel(con)
    return sorted({i for _, i in merges})


def move(con, row_index: int, to: int | None) -> tuple[int | None, int, int]:
    """Make `to` (None: a new person) the influencer of video `row_index`; returns the old and new
    ids and the correction's id."""
    got = con.execute(store.sql("people.influencer_of_row"), [row_index]).fetchone()
    if got is None:
        raise PeopleError(f"no row {row_index} in the database")
    status = con.execute(store.sql("people.row_status"), [row_index]).fetchone()
    if status[0] == VideoStatus.DUPLICATE:
        raise PeopleError(f"row {row_index} is a duplicate of row {status[1]}: move row {status[1]} instead")
    if got[0] is None:
        raise PeopleError(f"row {row_index} has no identified person to move (status {status[0]})")
    if to is None:
        to = first_new_id(con.execute(store.sql("people.highest_person_id")).fetchone()[0])
        con.execute(store.sql("people.add_person_id"), [to])
    elif not con.execute(store.sql("people.person_id_exists"), [to]).fetchone():
        raise PeopleError(f"no person with id {to} (see: influx people; or --to new)")
    if to == got[0]:
        raise PeopleError(f"person {to} is already the influencer of row {row_index}")
    return got[0], to, _correct(con, CorrectionKind.MOVE, got[0], to, row_index)


def not_influencer(con, influencer_id: int) -> int:
    """Never count `influencer_id` as a video's influencer (a crew member, a stock face)."""
    _known(con, influencer_id)
    return _correct(con, CorrectionKind.NOT_INFLUENCER, influencer_id)


def undo(con, correction_id: int) -> tuple:
    """Take one correction back (kept in undone_corrections) and apply the others again; returns
    the correction's row."""
    row = con.execute(store.sql("corrections.correction"), [correction_id]).fetchone()
    if row is None:
        done = con.execute(store.sql("corrections.undone"), [correction_id]).fetchone()
        if done:
            raise PeopleError(f"correction {correction_id} was already undone ({done[1]}, {done[0]:%Y-%m-%d %H:%M})")
        raise PeopleError(f"no correction {correction_id} (see: influx corrections)")
    with store.transaction(con):
        con.execute(store.sql("corrections.keep_undone"), ["undo", [correction_id]])
        con.execute(store.sql("corrections.delete_correction"), [correction_id])
    relabel(con)
    return row


CORRECTION_COLUMNS = ["correction_id", "kind", "influencer_id", "target_id", "row_index", "created_at", "undone_at",
                      "undone_by"]  # fmt: skip


def list_corrections(con) -> list[tuple]:
    """The corrections (CORRECTION_COLUMNS): those that apply, in order, then those taken back
    (`undone_at` set)."""
    return con.execute(store.sql("corrections.listing")).fetchall()


def verify_labels(con, path) -> None:
    """Refuse a file whose face labels are not its clustering's with its corrections applied (a
    merge listed but never applied, faces relabelled by hand): its numbers would not follow from
    what it says was done. Raises BadDatabase. (The clustering itself, faces.cluster_id, is the
    file's evidence, as its face vectors are.)"""
    faces = con.execute(store.sql("people.labelled_faces")).fetchnumpy()
    want = apply_corrections(con, faces["row_index"], faces["face_size"].astype(float), faces["cluster_id"])
    wrong = np.flatnonzero(want != faces["influencer_id"])
    if len(wrong):
        i = wrong[0]
        face, got, should = (int(faces["face_id"][i]), int(faces["influencer_id"][i]), int(want[i]))
        raise store.BadDatabase(
            f"{path}: {len(wrong)} face labels are not the clustering's with the corrections applied (face {face}:"
            f" person {got if got >= 0 else 'none'} stored, {should if should >= 0 else 'none'} by the corrections),"
            " so its numbers would not follow from them: refused (if the file is yours, `influx cluster` rebuilds"
            " the people)"
        )


def connect_verified(path, **options):
    """store.connect(path, verify=True, **options), with the labels checked too (verify_labels): how
    the commands that show numbers open a file."""
    con = store.connect(path, verify=True, **options)
    try:
        verify_labels(con, path)
    except BaseException:
        con.close()
        raise
    return con


def relabel(con) -> None:
    """Apply the corrections to the stored clustering again and rebuild the people tables."""
    faces = con.execute(store.sql("people.labelled_faces")).fetchnumpy()
    ids = apply_corrections(con, faces["row_index"], faces["face_size"].astype(float), faces["cluster_id"])
    write_labels(con, faces["face_id"], None, faces["cluster_id"], ids)
