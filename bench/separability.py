"""How well the stored faces tell people apart, whatever the clustering: pairs of videos' mean faces
(each video's main person, as `influx cluster` finds it), one person's pairs against two people's.

Reads an influx database made by bench/identity.py (the library or the 19-person set) and prints,
for dlib's distance and for the means centred on the library's mean and set to unit length (a
common rescaling for faces from another domain than the encoder's): the AUC of "two people are further apart than one
person's two videos", one person's median and 90th percentile, and how many pairs of two people
are closer than that 90th percentile. When strangers sit inside one person's spread, no rule on
these distances keeps them apart without splitting people.

    uv run python bench/separability.py --library    # bench/work/library/influx/bench.duckdb
    uv run python bench/separability.py              # bench/work/identity/influx/bench.duckdb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import identity  # noqa: E402
from influx import store  # noqa: E402
from influx.identity.grouping import ClusterOptions, assign, mean_by  # noqa: E402


def video_means(db: Path, truth_of: dict[str, str | None]) -> tuple[np.ndarray, list[str]]:
    """The mean face of each video's main person, and the video's true person (videos of nobody left
    out), read and grouped as `influx cluster` does (faces.cluster_faces, grouping.assign)."""
    con = store.connect(db, read_only=True)
    urls = dict(con.execute("SELECT row_index, video_url FROM videos").fetchall())
    faces, emb = store.fetch_vectors(con, store.sql("faces.cluster_faces"))
    con.close()
    rows = np.asarray(faces["row_index"])
    g = assign(rows, np.asarray(faces["frame_index"]), np.asarray(faces["face_size"], dtype=float), emb,
               ClusterOptions(), np.asarray(faces["detector_score"]))  # fmt: skip
    videos, means = mean_by(rows[g.main], emb[g.main])
    truth = [truth_of.get(Path(urls[r]).name) for r in videos]
    shown = [k for k, person in enumerate(truth) if person is not None]
    return means[shown], [truth[k] for k in shown]


def report(name: str, points: np.ndarray, truth: list[str]) -> None:
    from scipy.stats import mannwhitneyu

    upper = np.triu_indices(len(points), 1)
    d = np.linalg.norm(points[:, None] - points[None], axis=2)[upper]
    same = (np.array(truth)[:, None] == np.array(truth)[None])[upper]
    one, two = d[same], d[~same]
    auc = mannwhitneyu(two, one).statistic / (len(one) * len(two))
    q90 = np.quantile(one, 0.9)
    print(f"  {name:34} AUC {auc:.4f}  one person: median {np.median(one):.3f}, 90% {q90:.3f}"
          f"  two people closer than that: {(two < q90).sum()} of {len(two)} (closest {two.min():.3f})")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", action="store_true", help="the crowded library instead of the 19-person set")
    args = ap.parse_args()
    folder = ROOT / "bench" / "work" / ("library" if args.library else "identity")
    db = folder / "influx" / "bench.duckdb"
    if not db.exists():
        sys.exit(f"no {db}: run bench/identity.py{' --library' if args.library else ''} first")
    items = identity.build_library() if args.library else identity.build_set()
    means, truth = video_means(db, {name: person for name, _, person in items})
    print(f"{len(means)} videos of {len(set(truth))} people, {len(means) * (len(means) - 1) // 2} pairs")
    report("dlib distance (what influx uses)", means, truth)
    centred = means - means.mean(axis=0)
    report("centred on the mean, unit length", centred / np.linalg.norm(centred, axis=1, keepdims=True), truth)


if __name__ == "__main__":
    main()
