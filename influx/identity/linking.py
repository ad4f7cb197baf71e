"""Linking: which videos show one person, from one mean face per video (arrays, no database).

Two methods, chosen with `influx cluster --method`:

- `linkage` (the default): average linkage of the videos' mean faces, where the distance at which
  two groups may join is not one fixed number but tightens with how crowded the library is around
  them. A join is accepted when its average distance is under

      threshold = max_distance - TIGHTEN * log2(crowd / CROWD_FREE)     (at most max_distance,
                                                                         at least MIN_DISTANCE)

  where `crowd` is the number of other people (the groups a fixed STRICT_DISTANCE would make, the
  loosest join: one person's videos are one such group, look-alikes may share one) whose centre
  lies within NEIGHBOURHOOD of the joined group's centre: the people it could be confused with. A
  group alone in its part of the face space joins at max_distance (0.55); one among dozens of
  look-alikes only well under it. A group is joined only if each of its parts was.

  When both sides hold two videos or more, their evidence decides too: the join must also keep
  Ward's statistic sqrt(2 na nb / (na + nb)) |centre_a - centre_b| (na, nb counted up to
  WARD_EVIDENCE) under WARD_SLACK x max_distance (0.77). For two groups of one person's videos it
  is about one pair's distance whatever the group sizes (the centres' distance shrinks as the
  groups grow); for two people it grows with the evidence. (Two look-alikes of six videos each
  whose videos sit 0.52 apart on average, where one person's sit 0.40 apart, have centres at least
  0.33 apart: Ward over 0.8, two people.)

  Two faces in one frame are two people, and that holds across videos: a join is refused when
  someone on screen beside one side's person (clearly someone else: grouping.link_videos keeps
  only faces MIN_DISTANCE or more from their video's main face) looks more like the other side
  than the two sides look like each other, and more than like their own side: that is the other
  side's person, seen together with this one. A video left alone by a refusal under the
  threshold gets a negative `refused_at`, and doubt.doubts flags it.
- `hdbscan`: HDBSCAN (the `hdbscan` package) on the same mean faces, min_cluster_size 2 and
  cluster_selection_epsilon HDBSCAN_EPSILON; a video it calls noise is a person of its own, and
  each of its clusters is cut again at max_distance (HDBSCAN keeps far stragglers as weak members).
  It gives each video a membership probability and an outlier score (GLOSH), stored and used for
  doubt.

Both give, for each video, the distance at which it joined its group and how near that join came
to being refused (`hair`: under the threshold, or under the Ward limit for two groups of two videos
or more), which `doubt.doubts` turns into reasons to look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("linkage", "hdbscan", "fixed")
STRICT_DISTANCE = 0.55  # the unit of crowding: groups a fixed distance joins (counting tighter groups counted
# one person's scattered videos as a crowd of their own: 19 distinct people were split, recall 0.68)
NEIGHBOURHOOD = 0.70  # people whose centre is this close to a group could be confused with it
CROWD_FREE = 8  # up to this many such people, the full max_distance applies
TIGHTEN = 0.035  # the threshold falls this much each time the crowd doubles beyond that
MIN_DISTANCE = 0.42  # ... but never below this (one person's videos sit this far apart)
# groups of 2+ videos each join only while Ward's statistic (module doc) is under WARD_SLACK x
# max_distance: for one person it is about a pair's distance, but one person's videos form
# sub-groups (light, angle), and it reached 1.23 x 0.55 for one person on bench/identity.py's library
WARD_SLACK = 1.4
# ... counting at most this many videos a side: one person's videos are not independent draws (a
# look with glasses and one without, two sets of lighting), so beyond a handful more videos do not
# pin their centre closer, and uncapped, a person of 15 + 15 videos with two looks 0.2 apart was two
WARD_EVIDENCE = 6
HDBSCAN_EPSILON = 0.40


@dataclass
class Linked:
    label: np.ndarray  # person number of each video, 0.. numbered by first video
    joined_at: np.ndarray  # the average distance of the last join that took the video in (NaN: alone)
    hair: np.ndarray  # how near that join came to being refused (threshold minus distance, or Ward; NaN: alone)
    refused_at: np.ndarray  # the nearest join refused for the video's group: distance minus threshold (NaN: none)
    membership: np.ndarray  # HDBSCAN's membership probability (NaN with linkage)
    outlier: np.ndarray  # HDBSCAN's outlier score (NaN with linkage)
    threshold: float  # the loosest threshold any join used


def cross_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of `a` and of `b` (BLAS; no a x b x dims array)."""
    d2 = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(d2, 0))


def condensed(points: np.ndarray, block: int = 0) -> np.ndarray:
    """The distances of all pairs i < j in SciPy's condensed order, without the n x n matrix."""
    n = len(points)
    out = np.empty(n * (n - 1) // 2)
    block = block or max(1, 16_000_000 // max(1, n))  # rows at a time: ~128 MB of distances
    for s in range(0, n - 1, block):
        d = cross_distances(points[s : s + block], points[s:])
        for k in range(len(d)):
            i = s + k
            start = i * n - i * (i + 1) // 2  # where row i's pairs (i, i + 1..n) begin
            out[start : start + n - i - 1] = d[k, k + 1 :]
    return out


def _numbered(label: np.ndarray) -> np.ndarray:
    _, first, inverse = np.unique(label, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse]


def _tree(points: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import linkage

    return linkage(condensed(np.asarray(points, dtype=np.float64)), method="average")


def crowd_threshold(crowd: int | np.ndarray, max_distance: float) -> np.ndarray:
    """The distance a join may reach among `crowd` people it could be confused with."""
    doublings = np.log2(np.maximum(np.asarray(crowd, dtype=float), CROWD_FREE) / CROWD_FREE)
    return np.clip(max_distance - TIGHTEN * doublings, min(MIN_DISTANCE, max_distance), max_distance)


def adaptive_linkage(points: np.ndarray, max_distance: float, adaptive: bool = True,
                     strict: np.ndarray | None = None, centres: np.ndarray | None = None,
                     beside: list[np.ndarray] | None = None) -> Linked:  # fmt: skip
    """Average linkage of `points` with the crowd-dependent threshold (module doc), where `strict`
    numbers each point's tight group and `centres` holds the centres of all tight groups of the
    library (the points' and others'), and `beside[i]` holds the mean faces of the people on screen
    with point i's person (one row each); `adaptive` False: the fixed max_distance of earlier versions."""
    n = len(points)
    nan = np.full(n, np.nan)
    if n <= 1:
        return Linked(np.zeros(n, dtype=int), nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), max_distance)
    points = np.asarray(points, dtype=np.float64)
    tree = _tree(points)
    if adaptive and strict is None:
        from scipy.cluster.hierarchy import fcluster

        strict = np.unique(fcluster(tree, t=STRICT_DISTANCE, criterion="distance"), return_inverse=True)[1]
        centres = np.zeros((strict.max() + 1, points.shape[1]))
        np.add.at(centres, strict, points)
        centres /= np.bincount(strict)[:, None]
    sums = np.vstack([points, np.zeros((n - 1, points.shape[1]))])
    size = np.r_[np.ones(n), np.zeros(n - 1)]
    ok = np.r_[np.ones(n, dtype=bool), np.zeros(n - 1, dtype=bool)]
    members: list = [[i] for i in range(n)] + [None] * (n - 1)
    # the members with someone on screen beside them (few: kept apart so a join need not scan them all)
    seen_with: list = [[i] if beside is not None and len(beside[i]) else [] for i in range(n)] + [None] * (n - 1)
    joined_at, hair, refused = nan.copy(), nan.copy(), nan.copy()
    loosest = MIN_DISTANCE if adaptive else max_distance
    ward_limit = WARD_SLACK * max_distance
    for k, (a, b, height, _) in enumerate(tree):
        a, b, node = int(a), int(b), n + k
        sums[node], size[node] = sums[a] + sums[b], size[a] + size[b]
        members[node] = members[a] + members[b]
        seen_with[node] = seen_with[a] + seen_with[b]
        if height >= max_distance + 0.1:
            break  # average linkage heights only grow: nothing further can join
        if not (ok[a] or ok[b]):
            continue
        if adaptive and height < MIN_DISTANCE:
            limit = max_distance  # under every threshold the crowd can make: no need to count it
        elif adaptive:
            inside = np.unique(strict[members[node]])
            near = np.linalg.norm(centres - sums[node] / size[node], axis=1) < NEIGHBOURHOOD
            near[inside] = False
            limit = float(crowd_threshold(int(near.sum()), max_distance))
        else:
            limit = max_distance
        ward = _ward(sums, size, a, b) if adaptive and min(size[a], size[b]) >= 2 else None
        apart = not (ok[a] and ok[b]) or (  # one side holds two people already, or the two sides are two
            height < limit
            and (
                (ward is not None and ward >= ward_limit)  # too far apart for the evidence each holds
                or (seen_with[a] or seen_with[b])
                and _seen_together(beside, seen_with[a], seen_with[b], sums[a] / size[a], sums[b] / size[b], height)
            )
        )
        if apart:  # kept apart under the threshold: a video left alone by it is in doubt (doubt.py)
            for side in (a, b):
                if ok[side] and height < limit:
                    refused[members[side]] = np.fmin(refused[members[side]], height - limit)
            continue
        if height < limit:
            ok[node] = True
            loosest = max(loosest, limit)
            small = min(size[a], size[b])
            # how near the join came to being refused: by its distance, or for two groups of two
            # videos or more by their evidence (Ward), the test that decides between such groups
            margin = limit - height if ward is None else ward_limit - ward
            for side in (a, b):
                joined = members[side]
                joined_at[joined] = height
                if size[side] == small:  # the smaller side is the one the join is about: its videos are in doubt
                    hair[joined] = np.fmin(hair[joined], margin)
        else:
            for side in (a, b):
                gone = members[side]
                refused[gone] = np.fmin(refused[gone], height - limit)
    parent = np.full(2 * n - 1, -1)
    parent[tree[:, 0].astype(int)] = parent[tree[:, 1].astype(int)] = np.arange(n, 2 * n - 1)
    label = np.full(n, -1)
    for node in np.flatnonzero(ok & ((parent < 0) | ~ok[parent])):  # the largest accepted groups
        label[members[node]] = node
    return Linked(_numbered(label), joined_at, hair, refused, nan.copy(), nan.copy(), loosest)


def _ward(sums: np.ndarray, size: np.ndarray, a: int, b: int) -> float:
    """Ward's statistic of joining groups a and b: the distance of their centres scaled by the
    evidence, sqrt(2 na nb / (na + nb)) |centre_a - centre_b| with na, nb at most WARD_EVIDENCE;
    for two groups of one person's videos it is about one pair's distance whatever their sizes."""
    na, nb = min(size[a], WARD_EVIDENCE), min(size[b], WARD_EVIDENCE)
    scale = np.sqrt(2 * na * nb / (na + nb))
    return float(scale * np.linalg.norm(sums[a] / size[a] - sums[b] / size[b]))


def _seen_together(beside, left, right, centre_left, centre_right, height: float) -> bool:
    """Whether someone on screen beside one side's person is closer to the other side's centre
    than the two sides are to each other, and closer to it than to their own side's centre."""
    for own, own_centre, other_centre in ((left, centre_left, centre_right), (right, centre_right, centre_left)):
        if own:
            faces = np.vstack([beside[i] for i in own])
            to_other = np.linalg.norm(faces - other_centre, axis=1)
            if ((to_other < height) & (to_other < np.linalg.norm(faces - own_centre, axis=1))).any():
                return True
    return False


def hdbscan_linking(points: np.ndarray, max_distance: float, epsilon: float = HDBSCAN_EPSILON) -> Linked:
    """HDBSCAN on `points`; noise videos are people of their own (module doc). HDBSCAN keeps a
    point that falls out of a cluster late as a (weak) member, however far it is: each cluster is
    therefore cut again by average linkage at `max_distance`, the loosest join linkage allows."""
    n = len(points)
    nan = np.full(n, np.nan)
    if n < 3:  # HDBSCAN needs a few points; two videos are joined as linkage would at epsilon
        linked = adaptive_linkage(points, epsilon, adaptive=False)
        linked.membership = np.where(np.isnan(linked.joined_at), np.nan, 1.0)
        return linked
    import hdbscan

    points = np.asarray(points, dtype=np.float64)
    model = hdbscan.HDBSCAN(min_cluster_size=2, min_samples=1, cluster_selection_epsilon=epsilon,
                            metric="euclidean", core_dist_n_jobs=1)  # fmt: skip
    label = model.fit_predict(points).astype(int)
    membership = np.where(label < 0, np.nan, model.probabilities_)
    joined_at, hair, refused = nan.copy(), nan.copy(), nan.copy()
    for c in np.unique(label[label >= 0]):
        inside = np.flatnonzero(label == c)
        cut = adaptive_linkage(points[inside], max_distance, adaptive=False)
        joined_at[inside], hair[inside], refused[inside] = cut.joined_at, cut.hair, cut.refused_at
        label[inside] = label.max() + 1 + cut.label
    noise = label < 0
    label[noise] = label.max() + 1 + np.arange(noise.sum())
    number = np.unique(label, return_inverse=True)[1]
    membership[np.bincount(number)[number] == 1] = np.nan  # cut out of its cluster: its own person, not a weak member
    outlier = np.asarray(model.outlier_scores_, dtype=float)
    return Linked(_numbered(label), joined_at, hair, refused, membership, outlier, epsilon)


def link(points: np.ndarray, method: str, max_distance: float) -> Linked:
    if method == "hdbscan":
        return hdbscan_linking(points, max_distance)
    if method == "linkage":
        return adaptive_linkage(points, max_distance)
    if method == "fixed":  # the fixed distance of earlier versions, for comparison in bench/identity.py
        return adaptive_linkage(points, max_distance, adaptive=False)
    raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
