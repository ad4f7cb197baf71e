"""Pairs of people close enough to be one: merge suggestions."""

from __future__ import annotations

import numpy as np

from influx import store
from influx.identity.grouping import cross_distances, mean_by

LOOKALIKE = 0.6  # people whose mean faces are closer than this may be one (people --suggest-merges --max-distance)


def suggest_merges(con, max_distance: float = LOOKALIKE, limit: int = 200) -> list[tuple[int, int, float]]:
    """The `limit` closest pairs of people whose mean faces are closer than `max_distance`."""
    got, embeddings = store.fetch_vectors(con, store.sql("people.person_embeddings"))
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
