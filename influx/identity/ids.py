"""Person ids that carry over from one clustering to the next, and the labels written."""

from __future__ import annotations

import numpy as np

from influx import store
from influx.identity.grouping import mean_by
from influx.vocabulary import Setting

MAX_PERSON_ID = 2**31 - 1  # influencer_id is an INTEGER


def first_new_id(highest: int, n: int = 1) -> int:
    """The first of `n` new person ids after `highest` (an id is never given twice). Raises
    BadDatabase when they would pass MAX_PERSON_ID: influx numbers people from 1, so ids that high
    were written by hand."""
    if highest + n > MAX_PERSON_ID:
        raise store.BadDatabase(f"the file's person ids go up to {highest}, and a new person's id would pass"
                                f" {MAX_PERSON_ID}, the largest there is (influx numbers people from 1, so these ids"
                                " were written by hand): refused")  # fmt: skip
    return highest + 1


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
    old = con.execute(store.sql("people.old_ids")).fetchall()  # (face_id, id), a face may have several
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
    highest = max([con.execute(store.sql("people.highest_person_id")).fetchone()[0], *old_ids])
    new = sorted((int(rows[person == p].min()), int(p)) for p in people if int(p) not in mapping)
    first = first_new_id(highest, len(new))
    for k, (_, p) in enumerate(new):
        mapping[p] = first + k
    return mapping


def write_labels(con, face_ids, tracks, cluster_ids, ids, merge_distance: float | None = None) -> None:
    """Store face labels, then rebuild `video_people` and `influencers` (one transaction)."""
    import pandas as pd

    def nullable(a):
        return pd.array([None if i < 0 else int(i) for i in a], dtype="Int64")

    labels = pd.DataFrame({"face_id": face_ids, "cluster_id": nullable(cluster_ids), "influencer_id": nullable(ids)})
    if tracks is not None:
        labels["track_id"] = tracks
    if merge_distance is None:  # corrections: the distance of the clustering they apply to
        from influx.identity.grouping import MERGE_DISTANCE

        merge_distance = store.number_setting(con, Setting.MERGE_DISTANCE, MERGE_DISTANCE)
    with store.transaction(con):
        con.register("new_labels", labels)
        if tracks is not None:  # a new clustering
            con.execute(store.sql("people.remember_ids"))
            con.execute(store.sql("people.clear_labels"))
            con.execute(store.sql("people.store_tracks"))
        else:
            con.execute(store.sql("people.clear_people"))
        con.execute(store.sql("people.store_labels"))
        con.unregister("new_labels")
        con.execute(store.sql("people.add_new_person_ids"))
        store.derive(con, "video_people")
        _store_uncertainty(con, merge_distance)
        store.derive(con, "influencers")
        store.refresh_quantiles(con)


def _store_uncertainty(con, merge_distance: float) -> None:
    from influx.identity.doubt import uncertainty

    got, embeddings = store.fetch_vectors(con, store.sql("faces.video_person_means"))
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
    con.execute(store.sql("people.store_uncertainty"))
    con.unregister("new_uncertainty")
