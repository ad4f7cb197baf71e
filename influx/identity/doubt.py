"""Doubt: how far each video is from its person and from the nearest other, and reasons to look again."""

from __future__ import annotations

import numpy as np

from influx.identity.linking import Linked, cross_distances


def uncertainty(person_of: np.ndarray, vectors: np.ndarray, merge_distance: float) -> tuple[np.ndarray, np.ndarray]:
    """For each video's main-person vector: `distance` to its person's centre (the person's other
    videos; NaN when it is their only video), and `margin`, the distance to the nearest other
    person's centre minus `distance` (minus `merge_distance` for a person of one video: how far
    it was from joining); NaN when there is one person only."""
    ids, pi = np.unique(person_of, return_inverse=True)
    sums = np.zeros((len(ids), vectors.shape[1]))
    np.add.at(sums, pi, vectors)
    counts = np.bincount(pi, minlength=len(ids)).astype(float)
    centres = sums / counts[:, None]
    own = np.full(len(vectors), np.nan)
    margin = np.full(len(vectors), np.nan)
    for s in range(0, len(vectors), 1024):
        v = vectors[s : s + 1024]
        d = cross_distances(v, centres)
        for j in range(len(v)):
            i, p = s + j, pi[s + j]
            if counts[p] > 1:
                own[i] = np.linalg.norm(v[j] - (sums[p] - v[j]) / (counts[p] - 1))
            if len(ids) > 1:
                d[j, p] = np.inf
                margin[i] = d[j].min() - (own[i] if counts[p] > 1 else merge_distance)
    return own, margin


HAIR = 0.03  # a join (or a refusal) decided by less than this much distance is in doubt
WEAK_MEMBER = 0.5  # an HDBSCAN membership probability under this is in doubt


def doubts(linked: Linked) -> list[str | None]:
    """Why each video's link to its person deserves a look (None: it does not): joined by a hair,
    kept apart from a look-alike by a hair (a video alone: its person may be someone else's
    look-alike), or a weak HDBSCAN member."""
    out: list[str | None] = []
    for joined, hair, refused, member in zip(linked.joined_at, linked.hair, linked.refused_at, linked.membership,
                                             strict=True):  # fmt: skip
        if hair < HAIR:
            out.append(f"joined its person by a hair (distance {joined:.3f}, {hair:.3f} from being refused)")
        elif np.isnan(joined) and refused < 0 and np.isnan(member):
            out.append(f"alone, but kept from a group {-refused:.3f} under the threshold: two people are there (seen"
                       " together on screen, or too far apart for the videos each holds)")  # fmt: skip
        elif np.isnan(joined) and refused < HAIR and np.isnan(member):
            out.append(f"alone, but a look-alike is near (a join {refused:.3f} over the threshold was refused)")
        elif member < WEAK_MEMBER:
            out.append(f"a weak member of its group (HDBSCAN membership {member:.2f})")
        else:
            out.append(None)
    return out
