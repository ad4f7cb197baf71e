"""Memory of the ingest's single writer as the database grows, with and without its DuckDB limit.

Writes N videos of 4 faces (random embeddings, 9.5 KB crops, like real ones) through the
ingest's writer and prints the process's resident memory every N/4 videos:

    uv run python bench/writer_memory.py                 # 20,000 videos, limit and none
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from influx import store  # noqa: E402
from influx.faces.extract import Face, VideoResult  # noqa: E402
from influx.ingest.pipeline import WRITER_MEMORY  # noqa: E402
from influx.ingest.writer import Writer  # noqa: E402


def rss_mb() -> int:
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) // 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=20_000)
    ap.add_argument("--limit", default=WRITER_MEMORY, help="DuckDB memory_limit, or 'none'")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "w.duckdb")
        if args.limit != "none":
            con.execute(f"SET memory_limit = '{args.limit}'")
        con.execute(
            "INSERT INTO videos (row_index, video_url, status) SELECT i, 'x' || i, 'pending' FROM range(?) t(i)",
            [args.videos],
        )
        writer = Writer(con)
        for v in range(args.videos):
            faces = [
                Face(i, float(i), (0, 90, 90, 0), 90, 1.0, 100.0, 1.0, rng.standard_normal(128).astype(np.float32),
                     rng.bytes(9500))
                for i in range(4)
            ]  # fmt: skip
            writer.video(v, VideoResult(10.0, 25.0, 1280, 720, 3, 1.0, faces))
            if (v + 1) % (args.videos // 4) == 0:
                print(f"limit {args.limit}: {v + 1:6} videos, {rss_mb()} MB resident", flush=True)
        con.close()


if __name__ == "__main__":
    main()
