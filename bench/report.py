"""How long `influx report` takes, and how much memory, for a campaign of N people.

Fills a database with N influencers of 3 videos each (scores, a dlib-like mean face and a crop
per person, a name for every third one), then runs `influx report` as a command and measures it.

    uv run python bench/report.py --people 150,5000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import measure  # noqa: E402
from influx import store  # noqa: E402


def fill(path: Path, people: int) -> None:
    con = store.connect(path)
    ok, jpeg = cv2.imencode(".jpg", np.full((96, 96, 3), 140, np.uint8))
    n = 3 * people
    con.execute(
        "INSERT INTO videos (row_index, video_url, performance, status, frames_sampled, n_faces)"
        " SELECT i, 'https://fgimagestorage.blob.core.windows.net/facebook-assets/hd-' || (999607261342550 + i),"
        " round(((hash(i) % 1000) / 1000.0 + (i % $p) / $p)::DOUBLE, 3), 'ok', 1, 1 FROM range($n) t(i)",
        {"n": n, "p": people},
    )
    con.execute(
        "INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left, face_size,"
        " sharpness, frontality, embedding, crop, cluster_id, influencer_id)"
        " SELECT i, 0, 0, 0, 100, 100, 0, 100, 100, 1,"
        " [((hash(i % $p, x) % 2000) / 1000.0 - 1) * 0.09 for x in range(128)]::FLOAT[128], $crop,"
        " 1 + i % $p, 1 + i % $p FROM range($n) t(i)",
        {"n": n, "p": people, "crop": jpeg.tobytes()},
    )
    con.execute(
        "INSERT INTO person_ids (influencer_id, name) SELECT 1 + i, CASE WHEN i % 3 = 0 THEN 'Person ' || i END"
        " FROM range($p) t(i)",
        {"p": people},
    )
    from influx.identity.ids import relabel

    relabel(con)
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", default="150,5000")
    args = ap.parse_args()
    influx = str(Path(sys.executable).parent / "influx")
    print(f"{'people':>7} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'pages':>6}")
    for people in (int(x) for x in args.people.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.duckdb"
            fill(path, people)
            m = measure([influx, "report", "--db", str(path), "--out-dir", str(Path(tmp) / "out")])
            from pypdf import PdfReader

            pages = len(PdfReader(Path(tmp) / "out" / "influencer_table.pdf").pages)
            print(f"{people:7} {m['wall_s']:7.1f} {m['cpu_s']:7.1f} {m['peak_mb']:8.0f} {pages:6}")


if __name__ == "__main__":
    main()
