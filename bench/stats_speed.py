"""How fast the statistics views answer on a large database (default 1,000,000 scored videos,
50,000 influencers).

    uv run python bench/stats_speed.py --videos 1000000 --influencers 50000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from influx import store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=1_000_000)
    ap.add_argument("--influencers", type=int, default=50_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.duckdb"
        con = store.connect(path)
        con.execute(
            "INSERT INTO videos (row_index, video_url, performance, status)"
            " SELECT i, 'https://cdn.example/v/' || i, (hash(i) % 1000) / 1000.0 + (i % $k) / $k, 'ok'"
            " FROM range($n) t(i)",
            {"n": args.videos, "k": args.influencers},
        )
        con.execute(
            "INSERT INTO video_people (row_index, influencer_id, n_faces, presence, share, is_dominant)"
            " SELECT i, 1 + i % $k, 1, 100, 1.0, true FROM range($n) t(i)",
            {"n": args.videos, "k": args.influencers},
        )
        con.execute(
            "INSERT INTO influencers (influencer_id, n_videos, n_appearances, n_faces)"
            " SELECT 1 + i, 1, 1, 1 FROM range($k) t(i)",
            {"k": args.influencers},
        )
        con.close()
        con = store.connect(path)  # as a user would: quantiles refreshed on open
        for query in ("SELECT * FROM reliability", "SELECT * FROM influencer_stats",
                      "SELECT count(*) FROM video_influencers WHERE influencer_id IS NOT NULL"):  # fmt: skip
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                rows = con.execute(query).fetchall()
                best = min(best, time.perf_counter() - started)
            print(f"{best:6.3f} s  {len(rows):>7} rows  {query}")
        print(con.execute("SELECT icc, icc_ci_low, icc_ci_high, n_influencers, n_scores FROM reliability").fetchone())


if __name__ == "__main__":
    main()
