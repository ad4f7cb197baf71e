"""Dask benchmark: the 40-video set through the local pool and through a 2-worker LocalCluster, in
one run, on one machine (so the difference is Dask's overhead), plus the single writer's capacity
and the size of one video's result as it travels from a worker to the writer.

    uv run python bench/distributed.py                 # 40 videos, needs ../shared/fixtures
    uv run python bench/distributed.py --videos 20 --rounds 5
    uv run python bench/distributed.py --no-preload     # workers load influx at their first video
"""

from __future__ import annotations

import argparse
import csv
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# run as a script, this file's folder comes first on the path and its name hides the distributed package
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.common import FileServer, measure  # noqa: E402
from bench.ingest import SHARED, WORK, build_set  # noqa: E402


def ingest_time(items, tag: str, scheduler: str | None) -> dict:
    folder = WORK / f"distributed-{tag}"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    influx = str(Path(sys.executable).parent / "influx")
    with FileServer({name: path for name, path, _ in items}) as server:
        with open(folder / "in.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Video URL", "Performance"])
            w.writerows([(f"{server.url}/blob/{name}", 1.0) for name, _, _ in items])
        cmd = [influx, "ingest", str(folder / "in.csv"), "--db", str(folder / "bench.duckdb")]
        if scheduler:
            cmd += ["--scheduler", scheduler]
        m = measure(cmd)
    import duckdb

    con = duckdb.connect(str(folder / "bench.duckdb"), read_only=True)
    m["rows"] = con.execute("SELECT status, count(*) FROM videos GROUP BY 1 ORDER BY 1").fetchall()
    m["faces"] = con.execute("SELECT count(*) FROM faces").fetchone()[0]
    con.close()
    return m


def result_sizes(items, n: int = 8) -> list[int]:
    """Bytes of a pickled outcome (what a worker sends back) for the first n videos."""
    from influx.faces.extract import FaceOptions
    from influx.ingest.dask_executor import run_row
    from influx.ingest.limits import FetchOptions

    with tempfile.TemporaryDirectory() as tmp:
        opts = FetchOptions(videos_dir=Path(tmp))
        return [len(pickle.dumps(run_row(i, str(path), opts, FaceOptions(), 0, False)))
                for i, (_, path, _) in enumerate(items[:n])]  # fmt: skip


def writer_capacity(videos: int = 2000, faces: int = 8) -> float:
    """Videos a second the single writer stores: `faces` faces of 9.5 KB crops and 16 frame hashes each."""
    from influx import store
    from influx.faces.extract import Face, VideoResult
    from influx.ingest.writer import Writer

    rng = np.random.default_rng(0)
    results = [
        VideoResult(10.0, 25.0, 1280, 720, 16, 1.0,
                    [Face(i, float(i), (0, 90, 90, 0), 90, 1.0, 100.0, 1.0, rng.standard_normal(128).astype(np.float32),
                          rng.bytes(9500)) for i in range(faces)],
                    [(float(i), int(rng.integers(0, 2**63))) for i in range(16)])
        for _ in range(200)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "w.duckdb")
        rows = "INSERT INTO videos (row_index, video_url, status) SELECT i, 'x' || i, 'pending' FROM range(?) t(i)"
        con.execute(rows, [videos])
        writer = Writer(con)
        started = time.perf_counter()
        for v in range(videos):
            writer.video(v, results[v % len(results)], sha256=f"{v:064x}", bytes=1, download_s=0.1)
        rate = videos / (time.perf_counter() - started)
        con.close()
    return rate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3, help="local then Dask, this many times (the machine is noisy)")
    ap.add_argument("--no-preload", action="store_true", help="workers without --preload influx.dask_executor")
    args = ap.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs {SHARED}")
    items = build_set(args.videos)
    from distributed import LocalCluster

    preload = [] if args.no_preload else ["influx.dask_executor"]
    print(f"{args.videos} videos, 2 processes each way, workers {'without' if args.no_preload else 'with'} the preload")
    ratios: dict[str, list[float]] = {"new workers": [], "same workers again": []}
    for r in range(args.rounds):
        local = ingest_time(items, "local", None)  # no cluster running: its idle workers would slow the pool
        print(f"  round {r + 1}  local pool          {local['wall_s']:5.1f} s   rows {local['rows']}"
              f"  faces {local['faces']}")  # fmt: skip
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          preload=preload) as cluster:  # fmt: skip
            # new workers: a first ingest; then the same workers again, as on a standing cluster
            for name in ratios:
                remote = ingest_time(items, "dask", cluster.scheduler_address)
                ratios[name].append(remote["wall_s"] / local["wall_s"])
                print(f"  round {r + 1}  Dask, {name:18} {remote['wall_s']:5.1f} s   rows {remote['rows']}"
                      f"  faces {remote['faces']}   Dask / local {ratios[name][-1]:.2f}x")  # fmt: skip
    for name, values in ratios.items():
        print(f"  Dask / local, {name}: median {statistics.median(values):.2f}x"
              f" ({', '.join(f'{v:.2f}' for v in values)})")  # fmt: skip
    sizes = result_sizes(items)
    print(f"  result per video    median {statistics.median(sizes) / 1024:.0f} KB, max {max(sizes) / 1024:.0f} KB"
          f" (pickled, {len(sizes)} videos)")  # fmt: skip
    rate = writer_capacity()
    print(f"  writer capacity     {rate:.0f} videos/s (8 faces with 9.5 KB crops each)")


if __name__ == "__main__":
    main()
