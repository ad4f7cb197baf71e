"""Ingest benchmark: influx against the naive reference and the decode-every-frame floor.

Builds a set of videos from the photos in ../shared/fixtures/faces (720p landscape and 1080x1920
portrait, H.264, 10-30 s, some with a second smaller face, some small faces) plus the real clip,
serves them from a local HTTP server, and runs in one go, one after the other:
  (c) bench/floor.py   decoding every frame of every video once with OpenCV
  (b) influx ingest, then influx cluster, default settings (timed apart and together)
  (a) bench/naive.py   the original approach (1 fps full resolution, every face encoded, greedy)
printing wall time, CPU time, peak memory (summed over the process tree), the ratios, and the
identity accuracy of (a) and (b) (adjusted Rand index and BCubed F1 over videos).
Sets larger than DISTINCT videos repeat the rendered clips as remuxed copies (new bytes, same
frames), which costs influx the same work as new clips without hours of rendering.

    uv run python bench/ingest.py                       # 40 videos
    uv run python bench/ingest.py --videos 60 --skip-naive
    uv run python bench/ingest.py --sweep 50,100,250,500,1000   # influx and floor; plot in bench/out/
    uv run python bench/ingest.py --short               # short hard clips: bench/identity.py's set
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import FileServer, accuracy, measure  # noqa: E402
from influx.demo.encode import remux  # noqa: E402
from influx.demo.synth import Shot, render  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures"
WORK = ROOT / "bench" / "work"
OUT = ROOT / "bench" / "out"
DISTINCT = 100  # rendered clips (incl. the real one); larger sets repeat them as remuxed copies
VARIANTS = [
    dict(width=1280, height=720, face=150, seconds=20),
    dict(width=1080, height=1920, face=220, seconds=15),
    dict(width=1280, height=720, face=70, seconds=25, blur=1.0, second_face=60, second_from=0.2, second_until=0.5),
    dict(width=1080, height=1920, face=160, seconds=10, tilt=8, second_face=90, second_from=0.5, second_until=0.9),
    dict(width=1280, height=720, face=100, seconds=30, jpeg_quality=35),
]


@functools.cache
def photos() -> dict:
    out = {}
    for d in sorted((SHARED / "faces").iterdir()):
        imgs = [cv2.imread(str(p)) for p in sorted(d.iterdir()) if "partial" not in p.name and "240p" not in p.name]
        out[d.name] = imgs
    return out


def _render_one(job: tuple[Shot, Path]) -> None:
    shot, path = job
    tmp = path.with_suffix(".tmp.mp4")
    render(tmp, shot, photos()).replace(path)


def build_set(n: int) -> list[tuple[str, Path, str]]:
    """(name, path, true person) for n videos: up to DISTINCT-1 rendered clips plus the real clip;
    beyond DISTINCT videos, remuxed copies of those (same frames, new bytes, so never deduplicated)."""
    folder = WORK / "set"
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(d.name for d in (SHARED / "faces").iterdir())
    base, jobs = [], []
    for i in range(min(n, DISTINCT) - 1):
        person = names[i % len(names)]
        variant = dict(VARIANTS[(i // len(names) + i) % len(VARIANTS)])
        second = names[(i + 3) % len(names)] if "second_face" in variant else None
        shot = Shot(person, photo=i // len(names), second=second, fps=25, codec="h264", seed=i, **variant)
        path = folder / f"v{i:04d}.mp4"
        if not path.exists():
            jobs.append((shot, path))
        base.append((path.stem, path, person))
    base.append(("hamilton", SHARED / "videos" / "short_hamilton_clip.mp4", "lin_manuel_miranda"))
    if jobs:
        print(f"rendering {len(jobs)} videos ...", flush=True)
        with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
            pool.map(_render_one, jobs)
    out = list(base)
    for k in range(len(base), n):
        name, src, person = base[k % len(base)]
        path = folder / f"c{k:04d}.mp4"
        if not path.exists():
            remux(src, path.with_suffix(".tmp.mp4"), comment=f"bench copy {k}").replace(path)
        out.append((path.stem, path, person))
    return out


def run_influx(items, tag: str) -> tuple[dict, list]:
    folder = WORK / f"influx-{tag}"
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    files = {name: path for name, path, _ in items}
    with FileServer(files) as server:
        with open(folder / "in.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Video URL", "Performance"])
            w.writerows([(f"{server.url}/blob/{name}", 1.0) for name, _, _ in items])
        influx = str(Path(sys.executable).parent / "influx")
        db = folder / "bench.duckdb"
        ingest = measure([influx, "ingest", str(folder / "in.csv"), "--db", str(db)])
    cluster = measure([influx, "cluster", "--db", str(db)])
    m = {k: ingest[k] + cluster[k] for k in ("wall_s", "cpu_s")}
    m["peak_mb"] = max(ingest["peak_mb"], cluster["peak_mb"])
    m["ingest"], m["cluster"] = ({k: v for k, v in x.items() if k != "output"} for x in (ingest, cluster))
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
    frames = con.execute("SELECT sum(frames_sampled), count(*) FILTER (status = 'ok') FROM videos").fetchone()
    con.close()
    m["frames_sampled"], m["ok"] = frames
    return m, [got[i] for i in range(len(items))]


def run_naive(items, tag: str) -> tuple[dict, list]:
    folder = WORK / f"naive-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "videos.txt"
    listing.write_text("\n".join(str(p) for _, p, _ in items))
    m = measure([sys.executable, str(ROOT / "bench" / "naive.py"), str(listing), str(folder / "out.json")])
    got = json.loads((folder / "out.json").read_text())
    return m, [got[str(p)] for _, p, _ in items]


def run_floor(items, tag: str) -> dict:
    folder = WORK / f"floor-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "videos.txt"
    listing.write_text("\n".join(str(p) for _, p, _ in items))
    return measure([sys.executable, str(ROOT / "bench" / "floor.py"), str(listing)])


def table(rows: dict) -> None:
    print(f"{'run':16} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'ARI':>6} {'BCubed F1':>9}")
    for name, m in rows.items():
        ari = f"{m['ari']:.3f}" if "ari" in m else "-"
        f1 = f"{m['bcubed_f1']:.3f}" if "bcubed_f1" in m else "-"
        print(f"{name:16} {m['wall_s']:8.1f} {m['cpu_s']:8.1f} {m['peak_mb']:8.0f} {ari:>6} {f1:>9}")
        for part in ("ingest", "cluster"):
            if part in m:
                p = m[part]
                print(f"{'  ' + part:16} {p['wall_s']:8.1f} {p['cpu_s']:8.1f} {p['peak_mb']:8.0f}")


def one(n: int, skip_naive: bool) -> dict:
    items = build_set(n)
    truth = [p for _, _, p in items]
    rows = {}
    rows["floor"] = run_floor(items, str(n))
    rows["influx"], pred = run_influx(items, str(n))
    rows["influx"].update(accuracy(truth, pred))
    if not skip_naive:
        rows["naive"], pred = run_naive(items, str(n))
        rows["naive"].update(accuracy(truth, pred))
    print(f"\n{n} videos ({sum(1 for _ in items)} incl. the real clip), {os.cpu_count()} cores,"
          f" influx sampled {rows['influx']['frames_sampled']} frames")  # fmt: skip
    table(rows)
    floor = rows["floor"]["wall_s"]
    print(f"influx ingest / floor (wall): {rows['influx']['ingest']['wall_s'] / floor:.2f}x")
    print(f"influx ingest + cluster / floor (wall): {rows['influx']['wall_s'] / floor:.2f}x")
    if "naive" in rows:
        print(f"naive / influx (wall): {rows['naive']['wall_s'] / rows['influx']['wall_s']:.1f}x")
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {k: {kk: vv for kk, vv in v.items() if kk != "output"} for k, v in rows.items()}
    (OUT / f"ingest_{n}.json").write_text(json.dumps(summary, indent=2))
    return summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=40)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--sweep", help="comma-separated video counts: influx and floor only, plotted")
    ap.add_argument("--short", action="store_true", help="the short-clip set: 64 clips of 7 s with small, degraded "
                    "faces and look-alikes, influx and the naive approach in one run (bench/identity.py)")  # fmt: skip
    args = ap.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs {SHARED}")
    if args.short:
        from bench import identity

        sys.argv = [sys.argv[0], *(["--skip-naive"] if args.skip_naive else [])]
        identity.main()
        return
    if not args.sweep:
        one(args.videos, args.skip_naive)
        return
    counts = [int(x) for x in args.sweep.split(",")]
    results = {n: one(n, skip_naive=True) for n in counts}
    sweep_report(counts, results)


def sweep_report(counts: list[int], results: dict) -> None:
    """Table, least-squares line and plot of time and memory against the number of videos."""
    import numpy as np

    series = {
        "floor": [results[n]["floor"] for n in counts],
        "influx ingest": [results[n]["influx"]["ingest"] for n in counts],
        "influx ingest + cluster": [results[n]["influx"] for n in counts],
    }
    print(f"\n{'videos':>6} {'floor s':>8} {'ingest s':>9} {'cluster s':>9} {'s/video':>8} {'peak MB':>8}")
    for n in counts:
        r = results[n]
        print(f"{n:6} {r['floor']['wall_s']:8.1f} {r['influx']['ingest']['wall_s']:9.1f}"
              f" {r['influx']['cluster']['wall_s']:9.1f} {r['influx']['wall_s'] / n:8.2f}"
              f" {r['influx']['peak_mb']:8.0f}")  # fmt: skip
    x = np.array(counts, dtype=float)
    for name, rows in series.items():
        y = np.array([r["wall_s"] for r in rows])
        slope, intercept = np.polyfit(x, y, 1)
        r2 = 1 - ((y - (slope * x + intercept)) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        print(f"{name}: {slope:.3f} s/video + {intercept:.1f} s, R^2 {r2:.4f}")
    (OUT / "sweep.json").write_text(json.dumps({str(n): results[n] for n in counts}, indent=2))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, rows in series.items():
        a.plot(counts, [r["wall_s"] for r in rows], "o-", label=name)
        b.plot(counts, [r["peak_mb"] for r in rows], "o-", label=name)
    a.set(xlabel="videos", ylabel="wall time (s)", title="time (2 cores)")
    b.set(xlabel="videos", ylabel="peak memory (MB, process tree)", title="memory", ylim=(0, None))
    a.legend()
    fig.tight_layout()
    fig.savefig(OUT / "scaling.png", dpi=120)
    print(f"plot: {OUT / 'scaling.png'}")


if __name__ == "__main__":
    main()
