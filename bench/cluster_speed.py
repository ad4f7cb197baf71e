"""How long `influx cluster` takes on N synthetic faces (default 100,000).

Fills a fresh database with dlib-like embeddings: P people, each in several videos, a few
tracks per video, plus background faces, then times `influx cluster` end to end in its own
process (read, appearances, linkage, id matching, write back; wall time and peak memory) and
checks the video-level assignment against the truth.

    uv run python bench/cluster_speed.py --faces 100000
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
from influx import db  # noqa: E402


def fill(path: Path, n_faces: int, seed: int = 0) -> dict[int, int]:
    rng = np.random.default_rng(seed)
    n_people = max(2, n_faces // 400)
    centres = rng.normal(0, 0.09, (n_people, 128))
    rows, truth, faces = [], {}, []
    row = 0
    while len(faces) < n_faces:
        p = int(rng.integers(n_people))
        truth[row] = p
        rows.append((row, f"http://v/{row}", float(rng.normal()), "ok"))
        for frame in range(20):
            faces.append((row, frame, 120, centres[p] + rng.normal(0, 0.025, 128)))
            if frame % 7 == 0:  # a background person for a moment
                faces.append((row, frame, 40, rng.normal(0, 0.09, 128)))
        row += 1
    con = db.connect(path)
    con.executemany("INSERT INTO videos (row_index, video_url, performance, status) VALUES (?, ?, ?, ?)", rows)
    df = pd.DataFrame(faces[:n_faces], columns=["row_index", "frame_index", "face_size", "embedding"])
    df["embedding"] = [e.astype(np.float32) for e in df.embedding]
    con.register("df", df)
    con.execute(
        "INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left, face_size,"
        " sharpness, frontality, embedding, crop) SELECT row_index, frame_index, frame_index, 0, face_size, face_size,"
        " 0, face_size, 100, 1, embedding::FLOAT[128], ''::BLOB FROM df"
    )
    con.close()
    return truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--faces", type=int, default=100_000)
    args = ap.parse_args()
    from sklearn.metrics import adjusted_rand_score

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        truth = fill(path, args.faces)
        influx = str(Path(sys.executable).parent / "influx")
        m = measure([influx, "cluster", "--db", str(path)])  # the command, in its own process: time and peak memory
        con = db.connect(path, read_only=True)
        got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
        rows = sorted(truth)
        ari = adjusted_rand_score([truth[r] for r in rows], [got[r] if got[r] is not None else -1 for r in rows])
        con.close()
        print(m["output"].strip())
        print(f"influx cluster: {m['wall_s']:.1f} s, peak {m['peak_mb']:.0f} MB   video-level ARI {ari:.4f}")


if __name__ == "__main__":
    main()
