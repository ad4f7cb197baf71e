"""Cluster: group the stored faces into people and pick each video's influencer.

Ads are made around one person, so influx groups videos, not loose faces:
1. Appearances: within one video, faces closer than `track_distance` (average linkage) are one
   person; two faces of one frame never are.
2. The video's main appearance (most face area) gives one mean face per video. Main faces of
   different videos closer than `merge_distance` (average linkage, so one close pair cannot
   chain two look-alikes together) are one person.
3. Other appearances (a second person on screen) join the person whose centre is within
   `merge_distance`, unless that person is on screen with them; the rest group among
   themselves and are kept when they have two faces or more.
4. Ids are matched one to one with the previous run's (see `ids.match_ids`), and the
   user's corrections are applied on top (see `corrections.apply_corrections`).
The grouping depends on the faces and the options only: never on an earlier run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from influx import store
from influx.identity import corrections, ids
from influx.identity.doubt import doubts
from influx.identity.grouping import MERGE_DISTANCE, TRACK_DISTANCE, ClusterOptions, assign
from influx.vocabulary import Setting

__all__ = ["MERGE_DISTANCE", "TRACK_DISTANCE", "ClusterOptions", "ClusterSummary", "MixedEncoders", "cluster"]


CLUSTER_MEMORY = "2GB"  # DuckDB's memory limit while clustering (it spills to disk beyond)


class MixedEncoders(Exception):
    """The faces come from more than one encoder (or vector length): their distances mean nothing."""


@dataclass
class ClusterSummary:
    faces: int = 0
    appearances: int = 0
    people: int = 0
    influencers: int = 0
    videos_with_influencer: int = 0
    uncertain: int = 0
    kept_ids: int = 0
    new_ids: int = 0


def _store_links(con, g, method: str) -> None:
    """How each video was linked to its person, and why a link is in doubt (table video_links)."""
    import pandas as pd

    rows = np.zeros(0, dtype=int) if g.video_rows is None else g.video_rows
    linked = g.linked

    def col(name):
        values = [] if linked is None else getattr(linked, name)
        return pd.array([None if np.isnan(x) else float(x) for x in values], dtype="Float64")

    frame = pd.DataFrame({"row_index": rows, "method": [method] * len(rows), "joined_at": col("joined_at"),
                          "hair": col("hair"), "refused_at": col("refused_at"), "membership": col("membership"),
                          "outlier_score": col("outlier"),
                          "doubt": pd.array(doubts(linked) if len(rows) else [], dtype="string")})  # fmt: skip
    with store.transaction(con):
        con.register("new_links", frame)
        con.execute(store.sql("people.clear_links"))
        con.execute(store.sql("people.store_links"))
        con.unregister("new_links")


def cluster(con, opts: ClusterOptions | None = None) -> ClusterSummary:
    """Group the faces of the open database into people and store the labels (see module doc)."""
    opts = opts or ClusterOptions()
    # DuckDB would cache up to 80% of RAM while it rewrites the labels of a million faces; the
    # clustering itself (numpy) needs the memory more
    store.limit_memory(con, CLUSTER_MEMORY)
    encoders = con.execute(store.sql("faces.face_models")).fetchall()
    if len(encoders) > 1:
        found = ", ".join(f"{name} ({dim}-d, {n} faces)" for name, dim, n in encoders)
        raise MixedEncoders(f"the faces come from {len(encoders)} face encoders: {found}; vectors of different"
                            " encoders cannot be compared: ingest into a new database with one --model")  # fmt: skip
    faces, emb = store.fetch_vectors(con, store.sql("faces.cluster_faces"))
    rows = np.asarray(faces["row_index"])
    sizes = np.asarray(faces["face_size"], dtype=float)
    g = assign(rows, np.asarray(faces["frame_index"]), sizes, emb, opts, np.asarray(faces["detector_score"]))
    del emb  # the labels are written next, by DuckDB, which needs the memory more
    before = {i for (i,) in con.execute(store.sql("people.person_ids")).fetchall()}
    mapping = ids.match_ids(con, faces["face_id"], g.person, rows)
    cluster_ids = np.array([mapping.get(int(p), -1) for p in g.person], dtype=np.int64)
    influencer_ids = corrections.apply_corrections(con, rows, sizes, cluster_ids)
    store.store_settings(con, {Setting.TRACK_DISTANCE: opts.track_distance,
                               Setting.MERGE_DISTANCE: opts.merge_distance, Setting.METHOD: opts.method})  # fmt: skip
    ids.write_labels(con, faces["face_id"], g.track, cluster_ids, influencer_ids, opts.merge_distance)
    _store_links(con, g, opts.method)
    s = ClusterSummary(faces=len(rows), appearances=int(g.track.max() + 1) if len(rows) else 0)
    s.kept_ids = len({v for v in mapping.values() if v in before})
    s.new_ids = len(mapping) - s.kept_ids
    s.people, s.influencers, s.videos_with_influencer, s.uncertain = con.execute(
        store.sql("people.cluster_summary")
    ).fetchone()
    return s
