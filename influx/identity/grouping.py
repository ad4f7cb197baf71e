"""Grouping: the clustering itself, on arrays (no database): appearances within a video, people
across videos, other people on screen, and how sure each video's person is. See cluster.py for
the steps; cluster.cluster runs this on a database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from influx.identity import linking
from influx.identity.linking import Linked, condensed, cross_distances
from influx.vocabulary import CONSTANTS

TRACK_DISTANCE = 0.5  # within a video: faces of one person
MERGE_DISTANCE = 0.55  # across videos: main faces of one person (average linkage)
# a face detected under this score is a person only when seen in two frames or more (the view
# constants has it too: a person seen only in weak detections is uncertain)
WEAK_SCORE = CONSTANTS.weak_score


@dataclass
class ClusterOptions:
    track_distance: float = TRACK_DISTANCE
    merge_distance: float = MERGE_DISTANCE  # the loosest join (linkage; see linking.py)
    method: str = "linkage"  # or "hdbscan" (linking.METHODS)


def mean_by(keys: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct keys and the mean vector (float64) of each."""
    unique, codes = np.unique(keys, return_inverse=True)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(unique)))
    sums = np.add.reduceat(np.asarray(vectors, dtype=np.float64)[order], starts, axis=0)
    return unique, sums / np.bincount(codes)[:, None]


def _pairwise(points: np.ndarray) -> np.ndarray:
    return cross_distances(points, points)


def constrained_average_linkage(dist: np.ndarray, conflict: np.ndarray, threshold: float) -> np.ndarray:
    """Group labels (0..) from average linkage stopped at `threshold`, never joining two groups
    that hold a conflicting pair (`conflict[i, j]`). Deterministic: ties go to the lowest index."""
    n = len(dist)
    if n <= 1:
        return np.zeros(n, dtype=int)
    d = dist.astype(np.float64)
    d[conflict] = np.inf
    np.fill_diagonal(d, np.inf)
    size = np.ones(n)
    label = np.arange(n)
    alive = np.ones(n, dtype=bool)
    while True:
        flat = int(np.argmin(d))
        a, b = divmod(flat, n)
        if not d[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        merged = (size[a] * d[a] + size[b] * d[b]) / (size[a] + size[b])  # inf stays inf: conflicts carry over
        d[a], d[:, a] = merged, merged
        d[b], d[:, b] = np.inf, np.inf
        d[a, a] = np.inf
        size[a] += size[b]
        alive[b] = False
        label[label == b] = a
    _, label = np.unique(label, return_inverse=True)
    return label


def average_linkage(points: np.ndarray, threshold: float) -> np.ndarray:
    """Group labels (0.., numbered by first member) from average linkage stopped at `threshold`,
    without cannot-links: SciPy's nearest-neighbour chain, O(n^2) time where the greedy loop of
    constrained_average_linkage is O(n^3) (a person of 5,000 videos is one component), and
    n^2 x 8 bytes (a person of 20,000 videos: 3.2 GB)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(points) <= 1:
        return np.zeros(len(points), dtype=int)
    tree = linkage(condensed(np.asarray(points, dtype=np.float64)), method="average")
    # fcluster keeps merges at distances <= t; the greedy loop merges below the threshold only
    flat = fcluster(tree, t=np.nextafter(threshold, 0), criterion="distance")
    _, first, label = np.unique(flat, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[label]


def appearances(frames: np.ndarray, emb: np.ndarray, threshold: float) -> np.ndarray:
    """Appearance number (0..) of each face of one video: one person within the video."""
    if len(frames) <= 1:
        return np.zeros(len(frames), dtype=int)
    conflict = frames[:, None] == frames[None, :]
    return constrained_average_linkage(_pairwise(emb.astype(np.float64)), conflict, threshold)


def _components(points: np.ndarray, radius: float) -> np.ndarray:
    """Connected components of the graph joining points closer than `radius` (blocked)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(points)
    sq = (points.astype(np.float64) ** 2).sum(axis=1)[:, None]
    # |a - b|^2 = [a, |a|^2, 1] . [-2b, 1, |b|^2]: one float32 matrix product a block (BLAS twice as
    # fast as float64; the radius test does not need more), no block-sized temporaries
    left = np.hstack([points, sq, np.ones_like(sq)]).astype(np.float32)
    right = np.hstack([-2 * points, np.ones_like(sq), sq]).astype(np.float32)
    limit = np.float32((radius * 1.001) ** 2)  # a little wide: float32 must not cut a pair at the edge
    block = max(1, 16_000_000 // max(1, n))  # about 64 MB of distances at a time, whatever n
    rows, cols = [], []
    for s in range(0, n, block):
        d2 = left[s : s + block] @ right[s:].T  # pairs (i, j >= i's block): the graph is undirected
        i, j = np.divmod(np.flatnonzero(d2 < limit), d2.shape[1])  # 1-d: 10x faster than 2-d nonzero
        rows.append(i + s)
        cols.append(j + s)
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def group(points: np.ndarray, threshold: float, conflict_pairs: set[tuple[int, int]] = frozenset()) -> np.ndarray:
    """Average linkage of `points` at `threshold`, run on each connected component of the
    within-threshold graph (average linkage never joins across components), with cannot-links."""
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=int)
    comp = _components(points, threshold)
    inside: dict[int, list[tuple[int, int]]] = {}  # the cannot-links within each component
    for a, b in conflict_pairs:
        if comp[a] == comp[b]:
            inside.setdefault(int(comp[a]), []).append((a, b))
    label = np.zeros(n, dtype=int)
    next_label = 0
    by_component = np.argsort(comp, kind="stable")
    for members in np.split(by_component, np.flatnonzero(np.diff(comp[by_component])) + 1):
        pairs = inside.get(int(comp[members[0]]))
        if len(members) == 1:
            sub = np.zeros(1, dtype=int)
        elif pairs:
            index = {m: k for k, m in enumerate(members)}
            conflict = np.zeros((len(members), len(members)), dtype=bool)
            for a, b in pairs:
                conflict[index[a], index[b]] = conflict[index[b], index[a]] = True
            sub = constrained_average_linkage(_pairwise(points[members]), conflict, threshold)
        else:
            sub = average_linkage(points[members], threshold)
        label[members] = next_label + sub
        next_label += sub.max() + 1
    _, label = np.unique(label, return_inverse=True)  # numbered by first member
    return label


@dataclass
class Grouping:
    """The result of clustering one database's faces (arrays aligned with the faces), and how
    each video's main appearance was linked (aligned with `video_rows`)."""

    track: np.ndarray  # appearance number of each face (unique across videos)
    person: np.ndarray  # person number of each face, -1: unlabelled
    main: np.ndarray  # True for faces of their video's main appearance
    video_rows: np.ndarray | None = None  # the videos with a main appearance
    linked: Linked | None = None


def link_videos(points: np.ndarray, opts: ClusterOptions, beside: list[np.ndarray] | None = None) -> Linked:
    """One person number per video mean face (linking.py), linkage run on each connected
    component of the "closer than merge_distance" graph (no join can cross components);
    `beside[i]`: the mean faces of the other people on screen with video i's person."""
    if opts.method == "hdbscan":
        return linking.hdbscan_linking(points, opts.merge_distance)
    adaptive = opts.method == "linkage"
    if opts.method not in ("linkage", "fixed"):
        linking.link(points, opts.method, opts.merge_distance)  # raises: unknown method
    n = len(points)
    if beside is not None:  # clearly someone else only: the same person twice (a split screen) is no evidence
        beside = [b[np.linalg.norm(b - p, axis=1) >= linking.MIN_DISTANCE] for b, p in zip(beside, points, strict=True)]
    strict, centres = None, None
    if adaptive and n > 1:  # the tight groups of the whole library: the people a group could be confused with
        strict = group(np.asarray(points, dtype=np.float64), linking.STRICT_DISTANCE)
        centres = mean_by(strict, points)[1]
    comp = _components(points, opts.merge_distance) if n else np.zeros(0, dtype=int)
    out = linking.Linked(np.zeros(n, dtype=int), *(np.full(n, np.nan) for _ in range(5)), opts.merge_distance)
    out.threshold = linking.MIN_DISTANCE if adaptive else opts.merge_distance
    next_label = 0
    by_component = np.argsort(comp, kind="stable")
    for members in np.split(by_component, np.flatnonzero(np.diff(comp[by_component])) + 1) if n else []:
        local, near = None, None
        if strict is not None and len(members) > 1:  # the tight groups that can be near this component
            near = np.flatnonzero((cross_distances(points[members], centres) < linking.NEIGHBOURHOOD).any(axis=0))
            local = np.searchsorted(near, strict[members])
        sub = linking.adaptive_linkage(points[members], opts.merge_distance, adaptive, local,
                                       None if near is None else centres[near],
                                       [beside[m] for m in members] if adaptive and beside else None)  # fmt: skip
        out.label[members] = next_label + sub.label
        next_label += sub.label.max() + 1
        for name in ("joined_at", "hair", "refused_at"):
            getattr(out, name)[members] = getattr(sub, name)
        if len(members) > 1:
            out.threshold = max(out.threshold, sub.threshold)
    _, out.label = np.unique(out.label, return_inverse=True)
    return out


def assign(
    rows: np.ndarray,
    frames: np.ndarray,
    sizes: np.ndarray,
    emb: np.ndarray,
    opts: ClusterOptions,
    scores: np.ndarray | None = None,
) -> Grouping:
    """Appearances, then people, for faces sorted by (row, frame). An appearance of one face whose
    detector score is under WEAK_SCORE (a likely false detection) is nobody. Pure: no database."""
    n = len(rows)
    track = np.zeros(n, dtype=int)
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if n else np.zeros(0, dtype=int)
    ends = np.r_[starts[1:], n].astype(int)[: len(starts)]
    offset = 0
    for s, e in zip(starts, ends, strict=True):
        local = appearances(frames[s:e], emb[s:e], opts.track_distance)
        track[s:e] = local + offset
        offset += local.max() + 1
    k = offset
    if k == 0:
        return Grouping(track, np.full(n, -1), np.zeros(n, dtype=bool))
    count = np.bincount(track, minlength=k)
    if scores is not None:  # drop lone weak detections before anything else looks at them
        best = np.full(k, -np.inf)
        np.maximum.at(best, track, scores)
        weak = (count == 1) & (best < WEAK_SCORE)
        if weak.any():
            keep = ~weak[track]
            sub = assign(rows[keep], frames[keep], sizes[keep], emb[keep], opts)
            track_all, person_all, main_all = np.full(n, -1), np.full(n, -1), np.zeros(n, dtype=bool)
            track_all[keep], person_all[keep], main_all[keep] = sub.track, sub.person, sub.main
            return Grouping(track_all, person_all, main_all, sub.video_rows, sub.linked)
    means = np.zeros((k, emb.shape[1]))
    np.add.at(means, track, emb)
    means /= count[:, None]
    area = np.bincount(track, weights=sizes, minlength=k)
    video = np.zeros(k, dtype=rows.dtype)
    video[track] = rows
    # the main appearance of each video: most face area (ties: the first)
    order = np.lexsort((np.arange(k), -area, video))
    first = np.r_[True, video[order][1:] != video[order][:-1]]
    is_main = np.zeros(k, dtype=bool)
    is_main[order[first]] = True
    # appearances seen in one frame are different people: appearance -> those seen with it
    together: dict[int, set[int]] = {}
    for s, e in zip(starts, ends, strict=True):
        f, t = frames[s:e], track[s:e]
        for i, j in np.argwhere((f[:, None] == f[None, :]) & (t[:, None] != t[None, :])):
            together.setdefault(int(t[i]), set()).add(int(t[j]))
    person = np.full(k, -1)
    mains = np.flatnonzero(is_main)
    linked = link_videos(means[mains], opts, [means[sorted(together.get(int(m), ()))] for m in mains])
    person[mains] = linked.label
    _attach_others(person, means, count, is_main, together, opts.merge_distance)
    return Grouping(track, person[track], is_main[track], video[mains], linked)


def _attach_others(person, means, count, is_main, together, threshold) -> None:
    """Second people on screen: join a person whose centre is within `threshold` and who is not
    on screen with them (`together`); else group among themselves, kept with two faces or more."""
    n_people = person.max() + 1
    others = np.flatnonzero(~is_main)
    if len(others) == 0:
        return
    leftover = []
    if n_people:
        centres = mean_by(person[is_main], means[is_main])[1]  # people 0..n_people-1 all have a main face
        block = max(1, 8_000_000 // n_people)  # others x people distances, about 64 MB at a time
        for s in range(0, len(others), block):
            d = cross_distances(means[others[s : s + block]], centres)
            for i, t in enumerate(others[s : s + block]):
                near = np.flatnonzero(d[i] < threshold)
                for q in near[np.argsort(d[i, near], kind="stable")]:
                    if not any(person[u] == q for u in together.get(int(t), ())):
                        person[t] = q
                        break
                if person[t] < 0:
                    leftover.append(int(t))
    else:
        leftover = [int(t) for t in others]
    if not leftover:
        return
    idx = {t: i for i, t in enumerate(leftover)}
    pairs = {(idx[a], idx[b]) for a in leftover for b in together.get(a, ()) if b in idx and a < b}
    sub = group(means[leftover], threshold, pairs)
    faces = np.bincount(sub, weights=count[leftover])
    for t, g in zip(leftover, sub, strict=True):
        if faces[g] >= 2:
            person[t] = n_people + g
    # renumber kept leftover groups densely after the main people
    kept = np.unique(person[person >= n_people])
    remap = {int(old): n_people + i for i, old in enumerate(kept)}
    for t in leftover:
        if person[t] >= 0:
            person[t] = remap[int(person[t])]
