"""Cluster: group the stored faces into people and pick each video's influencer.

1. Tracks: within one video, faces of consecutive sampled frames that are closer than
   TRACK_DISTANCE join one track; two faces of one frame never share a track.
2. HDBSCAN (leaf clusters, fine-grained) over the track means across videos.
3. Groups (HDBSCAN clusters and noise tracks) whose centroids are within MERGE_DISTANCE
   (average linkage) are one person, unless a cannot-link says otherwise: two faces seen
   in the same frame are never the same person.
4. A lone track becomes a person only when it is substantial (two faces or more, or the
   biggest presence in its video); otherwise its faces stay unlabelled (NULL).
5. Ids are kept from the previous run by face overlap, so names and merges survive;
   new people get the next ids in order of first appearance (lowest row_index).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import duckdb
import numpy as np

from . import db
from .stats import refresh_quantiles

TRACK_DISTANCE = 0.5  # within a video: same track when closer than this
MERGE_DISTANCE = 0.55  # across videos: same person when group centroids are closer than this
HDBSCAN_DIMS = 24  # principal components HDBSCAN sees (the checks after it use all 128)


@dataclass
class ClusterOptions:
    min_cluster_size: int = 2
    track_distance: float = TRACK_DISTANCE
    merge_distance: float = MERGE_DISTANCE


@dataclass
class ClusterSummary:
    faces: int = 0
    tracks: int = 0
    people: int = 0
    influencers: int = 0
    labelled_faces: int = 0
    videos_with_influencer: int = 0
    kept_ids: int = 0
    new_ids: int = 0


def build_tracks(frames: np.ndarray, emb: np.ndarray, max_distance: float) -> np.ndarray:
    """Track number (0..) of each face of one video; `frames` are frame indices, sorted."""
    tracks = np.full(len(frames), -1)
    means: list[np.ndarray] = []
    counts: list[int] = []
    for frame in np.unique(frames):
        idx = np.flatnonzero(frames == frame)
        if means:
            d = np.linalg.norm(emb[idx][:, None, :] - np.array(means)[None, :, :], axis=2)
        else:
            d = np.zeros((len(idx), 0))
        taken: set[int] = set()
        # closest pairs first; a track takes at most one face per frame
        order = np.dstack(np.unravel_index(np.argsort(d, axis=None), d.shape))[0] if d.size else []
        for i, t in order:
            if tracks[idx[i]] >= 0 or t in taken or d[i, t] >= max_distance:
                continue
            tracks[idx[i]] = t
            taken.add(t)
            counts[t] += 1
            means[t] = means[t] + (emb[idx[i]] - means[t]) / counts[t]
        for i in idx:
            if tracks[i] < 0:
                tracks[i] = len(means)
                means.append(emb[i].astype(np.float64))
                counts.append(1)
    return tracks


def _hdbscan_leaves(points: np.ndarray, min_cluster_size: int) -> np.ndarray:
    """HDBSCAN leaf clusters of `points` (label -1: noise)."""
    if len(points) <= min_cluster_size:
        return np.full(len(points), -1)
    import hdbscan

    # Projected on their main axes, the points keep their neighbourhoods and the KD-tree
    # stays fast (in 128-d its cost grows quadratically); leaves are re-checked in 128-d.
    centred = points - points.mean(axis=0)
    if len(points) > HDBSCAN_DIMS:
        _, _, axes = np.linalg.svd(centred, full_matrices=False)
        centred = centred @ axes[:HDBSCAN_DIMS].T
    model = hdbscan.HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=1,
        cluster_selection_method="leaf",
        metric="euclidean",
        algorithm="boruvka_kdtree",
        core_dist_n_jobs=1,
    )
    return model.fit_predict(centred.astype(np.float64))


def group_tracks(means: np.ndarray, conflicts: set[tuple[int, int]], opts: ClusterOptions) -> np.ndarray:
    """Person number (0..) of each track: HDBSCAN leaves, then average-linkage merging."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(means)
    if n == 0:
        return np.zeros(0, dtype=int)
    leaves = _hdbscan_leaves(means, opts.min_cluster_size)
    group = np.where(leaves >= 0, leaves, leaves.max(initial=-1) + 1 + np.arange(n))
    # HDBSCAN finds density, not distance: on sparse data a leaf can hold two people far
    # apart. Split each leaf by average linkage at the merge distance.
    order = np.argsort(group, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(group[order])) + 1):
        if len(members) > 1:
            sub = fcluster(linkage(means[members], method="average"), opts.merge_distance, "distance")
            group[members] = group.max() + 1 + sub
    _, group = np.unique(group, return_inverse=True)
    # the leaves that HDBSCAN found must not break a cannot-link either
    group = _split_conflicts(group, means, conflicts)
    k = group.max() + 1
    if k == 1:
        return group
    centroids = np.zeros((k, means.shape[1]))
    np.add.at(centroids, group, means)
    centroids /= np.bincount(group, minlength=k)[:, None]
    # A centroid with no other within the merge distance can never be merged by average
    # linkage (its average distance to any group is at least its nearest distance): leave
    # those out of the quadratic linkage.
    near = _nearest_distance(centroids) < opts.merge_distance
    merged = np.arange(k)
    if near.sum() > 1:
        idx = np.flatnonzero(near)
        sub = fcluster(linkage(centroids[idx], method="average"), opts.merge_distance, "distance")
        merged[idx] = k + sub
    _, merged = np.unique(merged, return_inverse=True)
    person = merged[group]
    return _split_conflicts(person, means, conflicts)


def _nearest_distance(points: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Distance from each point to its nearest other point (blocked, BLAS-backed)."""
    sq = (points**2).sum(axis=1)
    out = np.full(len(points), np.inf)
    for s in range(0, len(points), chunk):
        d2 = sq[s : s + chunk, None] + sq[None, :] - 2 * points[s : s + chunk] @ points.T
        d2[np.arange(d2.shape[0]), np.arange(s, s + d2.shape[0])] = np.inf
        out[s : s + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0))
    return out


def _split_conflicts(label: np.ndarray, means: np.ndarray, conflicts: set[tuple[int, int]]) -> np.ndarray:
    """Enforce cannot-links: of two conflicting tracks with one label, the farther one leaves."""
    label = label.copy()
    next_label = label.max(initial=-1) + 1
    changed = True
    while changed:
        changed = False
        for a, b in sorted(conflicts):
            if label[a] != label[b]:
                continue
            members = np.flatnonzero(label == label[a])
            centre = means[members].mean(axis=0)
            far = a if np.linalg.norm(means[a] - centre) > np.linalg.norm(means[b] - centre) else b
            label[far] = next_label
            next_label += 1
            changed = True
    return label


def load_faces(con: duckdb.DuckDBPyConnection):
    """Faces of decoded videos, ordered by video and frame, with their embeddings as a matrix."""
    rel = con.execute(
        "SELECT f.face_id, f.row_index, f.frame_index, f.face_size, f.sharpness, f.frontality,"
        " coalesce(f.influencer_id, -1) AS old_id, f.embedding FROM faces f JOIN videos v USING (row_index)"
        " WHERE v.status = 'ok' ORDER BY f.row_index, f.frame_index, f.face_id"
    )
    cols = rel.fetchnumpy()
    emb = np.array(cols["embedding"].tolist(), dtype=np.float32).reshape(-1, 128)
    return cols, emb


def assign(cols, emb: np.ndarray, opts: ClusterOptions):
    """Track and person of every face (person -1: unlabelled). Pure: no database."""
    rows, frames = np.asarray(cols["row_index"]), np.asarray(cols["frame_index"])
    sizes = np.asarray(cols["face_size"], dtype=np.float64)
    track = np.zeros(len(rows), dtype=int)
    offset = 0
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else []
    bounds = list(zip(starts, list(starts[1:]) + [len(rows)], strict=True))
    for s, e in bounds:
        local = build_tracks(frames[s:e], emb[s:e], opts.track_distance)
        track[s:e] = local + offset
        offset += local.max() + 1
    n_tracks = offset
    means = np.zeros((n_tracks, 128))
    np.add.at(means, track, emb)
    n_faces = np.bincount(track, minlength=n_tracks)
    means /= np.maximum(n_faces, 1)[:, None]
    track_video = np.zeros(n_tracks, dtype=rows.dtype if len(rows) else int)
    track_video[track] = rows
    presence = np.bincount(track, weights=sizes, minlength=n_tracks)
    # cannot-link: tracks that share a frame
    conflicts: set[tuple[int, int]] = set()
    by_frame = defaultdict(list)
    for t, r, f in zip(track, rows, frames, strict=True):
        by_frame[(r, f)].append(t)
    for ts in by_frame.values():
        for i in range(len(ts)):
            for j in range(i + 1, len(ts)):
                conflicts.add((min(ts[i], ts[j]), max(ts[i], ts[j])))
    person = group_tracks(means, conflicts, opts)
    # a person made of one track is kept only when substantial
    tracks_of = Counter(person)
    top_presence: dict = {}
    for t in range(n_tracks):
        v = track_video[t]
        top_presence[v] = max(top_presence.get(v, 0.0), presence[t])
    keep = np.array(
        [
            tracks_of[person[t]] > 1 or n_faces[t] >= 2 or presence[t] >= top_presence[track_video[t]]
            for t in range(n_tracks)
        ],
        dtype=bool,
    )
    track_person = np.where(keep, person, -1)
    return track, track_person[track] if len(track) else np.zeros(0, dtype=int)


def stable_ids(face_person: np.ndarray, old_ids: np.ndarray, rows: np.ndarray, first_free: int) -> dict:
    """Map person numbers to influencer ids: the old id most of its faces had (old id -1: none),
    else a new id from `first_free` on, in order of first appearance."""
    mapping: dict[int, int] = {}
    new_people = []
    for p in np.unique(face_person[face_person >= 0]):
        members = face_person == p
        olds = Counter(int(x) for x in old_ids[members] if x >= 0)
        if olds:
            mapping[int(p)] = olds.most_common(1)[0][0]
        else:
            new_people.append((int(rows[members].min()), int(p)))
    for i, (_, p) in enumerate(sorted(new_people)):
        mapping[p] = first_free + i
    return mapping


def cluster(db_path, opts: ClusterOptions | None = None) -> ClusterSummary:
    """Cluster the faces in the database at `db_path` and write the labels back."""
    opts = opts or ClusterOptions()
    con = db.connect(db_path)
    try:
        return cluster_con(con, opts)
    finally:
        con.close()


def cluster_con(con: duckdb.DuckDBPyConnection, opts: ClusterOptions) -> ClusterSummary:
    cols, emb = load_faces(con)
    rows = np.asarray(cols["row_index"])
    track, person = assign(cols, emb, opts)
    old = np.asarray(cols["old_id"])
    first_free = con.execute(
        "SELECT greatest(coalesce(max(influencer_id), 0), (SELECT coalesce(max(from_id), 0)"
        " FROM merges)) + 1 FROM influencers"
    ).fetchone()[0]
    mapping = stable_ids(person, old, rows, first_free)
    ids = np.array([mapping.get(int(p), -1) if p >= 0 else -1 for p in person], dtype=np.int64)
    for from_id, into_id in con.execute("SELECT from_id, into_id FROM merges ORDER BY merged_at").fetchall():
        ids[ids == from_id] = into_id
    summary = ClusterSummary(faces=len(ids), tracks=int(track.max() + 1) if len(track) else 0)
    summary.kept_ids = len({v for v in mapping.values() if v < first_free})
    summary.new_ids = len({v for v in mapping.values() if v >= first_free})
    write_labels(con, np.asarray(cols["face_id"]), track, ids)
    s = con.execute(
        "SELECT (SELECT count(*) FROM influencers), (SELECT count(*) FROM influencers WHERE n_videos > 0),"
        " (SELECT count(*) FROM faces WHERE influencer_id IS NOT NULL),"
        " (SELECT count(*) FROM video_influencers WHERE influencer_id IS NOT NULL)"
    ).fetchone()
    summary.people, summary.influencers, summary.labelled_faces, summary.videos_with_influencer = s
    return summary


def write_labels(con: duckdb.DuckDBPyConnection, face_ids, tracks, ids) -> None:
    """Store face labels and rebuild `video_people` and `influencers` in one transaction."""
    import pandas as pd

    labels = pd.DataFrame(
        {
            "face_id": face_ids,
            "track_id": tracks,
            "influencer_id": pd.array([None if i < 0 else int(i) for i in ids], dtype="Int64"),
        }
    )
    names = _names(con)
    with db.transaction(con):
        con.register("new_labels", labels)
        con.execute("UPDATE faces SET track_id = NULL, influencer_id = NULL")
        con.execute(
            "UPDATE faces SET track_id = l.track_id, influencer_id = l.influencer_id"
            " FROM new_labels l WHERE faces.face_id = l.face_id"
        )
        con.unregister("new_labels")
        rebuild_people(con, names)


def _names(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """The names users gave, by influencer id (carried over when people are rebuilt)."""
    return dict(con.execute("SELECT influencer_id, name FROM influencers WHERE name IS NOT NULL").fetchall())


def rebuild_people(con: duckdb.DuckDBPyConnection, names: dict[int, str]) -> None:
    """Recompute `video_people` and `influencers` from the face labels (inside a transaction)."""
    con.execute(db.read_sql("derive/video_people.sql"))
    con.execute(db.read_sql("derive/influencers.sql"))
    for influencer_id, name in names.items():
        con.execute("UPDATE influencers SET name = ? WHERE influencer_id = ?", [name, influencer_id])
    refresh_quantiles(con)


def rename(db_path, influencer_id: int, name: str | None) -> None:
    con = db.connect(db_path)
    try:
        if not con.execute("SELECT 1 FROM influencers WHERE influencer_id = ?", [influencer_id]).fetchone():
            raise KeyError(f"no influencer with id {influencer_id}")
        con.execute("UPDATE influencers SET name = ? WHERE influencer_id = ?", [name, influencer_id])
    finally:
        con.close()


def merge(db_path, from_id: int, into_id: int) -> None:
    """All faces of `from_id` become `into_id`'s; recorded so that re-clustering keeps it."""
    con = db.connect(db_path)
    try:
        known = {i for (i,) in con.execute("SELECT influencer_id FROM influencers").fetchall()}
        for i in (from_id, into_id):
            if i not in known:
                raise KeyError(f"no influencer with id {i}")
        if from_id == into_id:
            raise ValueError("cannot merge an influencer into itself")
        names = _names(con)
        if into_id not in names and from_id in names:
            names[into_id] = names[from_id]
        names.pop(from_id, None)
        with db.transaction(con):
            con.execute("UPDATE faces SET influencer_id = ? WHERE influencer_id = ?", [into_id, from_id])
            con.execute("INSERT INTO merges (from_id, into_id) VALUES (?, ?)", [from_id, into_id])
            rebuild_people(con, names)
    finally:
        con.close()


def suggest_merges(con: duckdb.DuckDBPyConnection, max_distance: float = 0.6) -> list[tuple[int, int, float]]:
    """Pairs of people whose mean faces are closer than `max_distance`, closest first."""
    people = con.execute(
        "SELECT influencer_id, list(embedding) FROM faces WHERE influencer_id IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    if len(people) < 2:
        return []
    ids = [p[0] for p in people]
    centres = np.array([np.mean(np.array(p[1], dtype=np.float64), axis=0) for p in people])
    d = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    out = [
        (ids[i], ids[j], float(d[i, j]))
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
        if d[i, j] < max_distance
    ]
    return sorted(out, key=lambda x: x[2])
