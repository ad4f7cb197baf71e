"""How long `influx cluster` takes on N synthetic faces (default 100,000).

Fills a fresh database with dlib-like embeddings: P people, each in several videos, a few
tracks per video, plus background faces, then times `influx cluster` end to end in its own
process (read, appearances, linkage, id matching, write back; wall time and peak memory) and
checks the video-level assignment against the truth.

    uv run python bench/cluster_speed.py --faces 100000
    uv run python bench/cluster_speed.py --faces 1000000 --skew 1.0    # a few people in thousands of videos
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import measure  # noqa: E402
from influx import store  # noqa: E402


def fill(path: Path, n_faces: int, seed: int = 0, skew: float = 0.0) -> dict[int, int]:
    """N faces: videos of 20 frames of their person (spread 0.025 a dimension around the person's
    centre) and a background person at frames 0, 7 and 14 (a new random face each time). People
    appear equally often, or with `skew` > 0 as in a real library: person k in proportion to
    1 / (k + 1) ** skew (at 1.0 and 1M faces the first person has 5,000 of the 43,000 videos)."""
    rng = np.random.default_rng(seed)
    n_people = max(2, n_faces // 400)
    centres = rng.normal(0, 0.09, (n_people, 128)).astype(np.float32)
    n_videos = -(-n_faces // 23)
    if skew:
        weights = 1 / np.arange(1, n_people + 1) ** skew
        person = rng.choice(n_people, size=n_videos, p=weights / weights.sum())
    else:
        person = rng.integers(n_people, size=n_videos)  # as in the earlier figures
    frames = np.array([f for f in range(20) for _ in range(1 + (f % 7 == 0))])  # 0, 0, 1, ..., 7, 7, ...
    background = np.r_[False, frames[1:] == frames[:-1]]  # the second face of frames 0, 7, 14
    row = np.repeat(np.arange(n_videos), len(frames))[:n_faces]
    frame = np.tile(frames, n_videos)[:n_faces]
    is_background = np.tile(background, n_videos)[:n_faces]
    con = store.connect(path)
    videos = pd.DataFrame({"row_index": np.arange(n_videos), "performance": rng.normal(size=n_videos)})
    con.register("v", videos)
    con.execute("INSERT INTO videos (row_index, video_url, performance, status)"
                " SELECT row_index, 'http://v/' || row_index, performance, 'ok' FROM v")  # fmt: skip
    con.unregister("v")
    for start in range(0, n_faces, 250_000):  # in chunks: the embeddings travel as Python lists
        part = slice(start, min(n_faces, start + 250_000))
        bg = is_background[part]
        emb = centres[person[row[part]]] + rng.normal(0, 0.025, (len(bg), 128)).astype(np.float32)
        emb[bg] = rng.normal(0, 0.09, (int(bg.sum()), 128))
        df = pd.DataFrame({"row_index": row[part], "frame_index": frame[part],
                           "face_size": np.where(bg, 40, 120), "embedding": list(emb)})  # fmt: skip
        con.register("df", df)
        con.execute(
            "INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left,"
            " face_size, sharpness, frontality, embedding, crop) SELECT row_index, frame_index, frame_index, 0,"
            " face_size, face_size, 0, face_size, 100, 1, embedding::FLOAT[128], ''::BLOB FROM df"
        )
        con.unregister("df")
    con.close()
    return {r: int(p) for r, p in enumerate(person[: row[-1] + 1])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--faces", type=int, default=100_000)
    ap.add_argument(
        "--skew", type=float, default=0.0, help="videos per person: 0 even, 1.0 Zipf (a few people in many)"
    )
    args = ap.parse_args()
    from sklearn.metrics import adjusted_rand_score

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        truth = fill(path, args.faces, skew=args.skew)
        influx = str(Path(sys.executable).parent / "influx")
        m = measure([influx, "cluster", "--db", str(path)])  # the command, in its own process: time and peak memory
        con = store.connect(path, read_only=True)
        got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
        rows = sorted(truth)
        ari = adjusted_rand_score([truth[r] for r in rows], [got[r] if got[r] is not None else -1 for r in rows])
        con.close()
        print(m["output"].strip())
        print(f"influx cluster: {m['wall_s']:.1f} s, peak {m['peak_mb']:.0f} MB   video-level ARI {ari:.4f}")


if __name__ == "__main__":
    main()
