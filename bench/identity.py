"""Identity benchmark: who is in each video, on short, hard clips of people who look alike.

Builds 67 seven-second clips (H.264, 25 fps) from the photos of 19 people in
../shared/fixtures/faces and ../shared/fixtures/lookalikes: faces of 45-120 px in 1280x720,
640x360 and portrait 720x1280 frames, JPEG quality 15-35, blur, sensor noise, tilt, a hand or
a phone over part of the face, a second person (often a look-alike) on screen 20-40 % of the
time; a person's clips come from different photos of them. Plus clips with no face, two
byte-identical copies and a corrupt file. Then, in one run:
  (a) influx ingest + influx cluster (default settings), timed, from local paths;
  (b) the plain approach (bench/naive.py: 1 frame a second, full-resolution HOG, every face
      encoded, greedy matching at 0.6), timed;
and scores each with BCubed precision / recall / F1 and ARI over the videos that show someone
(a video without a predicted person counts as a cluster of its own), listing every predicted
person that holds more than one true person.

    uv run python bench/identity.py                 # both
    uv run python bench/identity.py --skip-naive    # influx only
    uv run python bench/identity.py --db PATH       # score an existing influx database
    uv run python bench/identity.py --library --skip-naive --sweep 10,25,48 --alike 10   # the crowded library
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import multiprocessing
import os
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import accuracy, bcubed, measure  # noqa: E402
from influx.demo.synth import Shot, render, render_no_face  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures"
WORK = ROOT / "bench" / "work" / "identity"
OUT = ROOT / "bench" / "out"
# clips per person: most have 3 or more, a few have one
CLIPS = {
    "bill_gates": 7, "yao_ming": 6, "guido_van_rossum": 4, "steve_wozniak": 4, "paul_allen": 4, "obama": 4,
    "zhang_qiang": 3, "kit_harington": 3, "alex_lacamoire": 3, "clapton": 3, "vicki_zhaowei": 3, "lennon": 3,
    "biden": 3, "rose_leslie": 3, "lin_manuel_miranda": 2, "adams": 1, "carell": 1, "elon_musk": 1, "vin_diesel": 1,
}  # fmt: skip
# pairs dlib puts close together: a second person on screen is often the main person's look-alike
LOOKALIKES = {"bill_gates": "clapton", "clapton": "bill_gates", "vicki_zhaowei": "zhang_qiang",
              "zhang_qiang": "yao_ming", "yao_ming": "zhang_qiang", "paul_allen": "steve_wozniak",
              "steve_wozniak": "paul_allen"}  # fmt: skip
FRAMES = [(1280, 720), (640, 360), (720, 1280)]


@functools.cache
def photos() -> dict[str, list[np.ndarray]]:
    out = {}
    for top in ("faces", "lookalikes"):
        for d in sorted((SHARED / top).iterdir()):
            if d.name == "groups" or not d.is_dir():
                continue
            imgs = [cv2.imread(str(p)) for p in sorted(d.iterdir()) if "partial" not in p.name]
            out[d.name] = imgs
    return out


def shots() -> list[tuple[str, Shot]]:
    """(name, shot) for every clip with a person; deterministic."""
    rng = np.random.default_rng(2026)
    people = sorted(CLIPS)
    out = []
    seed = 0
    for person in people:
        for k in range(CLIPS[person]):
            width, height = FRAMES[(seed + k) % len(FRAMES)]
            kw = dict(
                face=int(rng.integers(45, 121)),
                width=width,
                height=height,
                jpeg_quality=int(rng.integers(15, 36)),
                blur=float(rng.choice([0.0, 0.6, 1.0, 1.4])),
                noise=float(rng.choice([0.0, 4.0, 8.0])),
                tilt=float(rng.uniform(-15, 15)),
                occluder=str(rng.choice(["", "", "hand", "phone"])),
            )
            if rng.random() < 0.45:
                other = LOOKALIKES.get(person) if rng.random() < 0.6 else None
                other = other or people[int(rng.integers(len(people)))]
                if other == person:
                    other = people[(people.index(person) + 1) % len(people)]
                start = float(rng.uniform(0.05, 0.55))
                kw.update(second=other, second_photo=int(rng.integers(8)),
                          second_face=int(kw["face"] * rng.uniform(0.6, 1.0)),
                          second_from=start, second_until=start + float(rng.uniform(0.2, 0.4)))  # fmt: skip
            shot = Shot(person, photo=k, seconds=7.0, fps=25, codec="h264", seed=1000 + seed, **kw)
            out.append((f"{person}-{k}", shot))
            seed += 1
    return out


_PHOTOS = {}  # the photos the render workers use (set before forking)


def _render_one(job: tuple[Shot, Path]) -> None:
    shot, path = job
    render(path.with_suffix(".tmp.mp4"), shot, _PHOTOS or photos()).replace(path)


def build_library() -> list[tuple[str, Path, str | None]]:
    """(name, path, true person) for every clip of the crowded library (bench/library.py),
    rendered once into bench/work/library/clips, plus a clip with no face and a duplicate."""
    from collections import Counter

    from bench import library

    folder = ROOT / "bench" / "work" / "library" / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    all_shots = library.shots()
    _PHOTOS.update(library.photos_with_variety(Counter(s.person for _, s in all_shots)))
    items, jobs = [], []
    for name, shot in all_shots:
        path = folder / name
        if not path.exists():
            jobs.append((shot, path))
        items.append((name, path, library.SAME.get(shot.person, shot.person)))
    if jobs:
        print(f"rendering {len(jobs)} clips ...", flush=True)
        with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
            pool.map(_render_one, jobs)
    path = folder / "noface-0"
    if not path.exists():
        render_no_face(path.with_suffix(".tmp.mp4"), seconds=7, seed=0).replace(path)
    items.append((path.name, path, None))
    return items


def build_set() -> list[tuple[str, Path, str | None]]:
    """(name, path, true person or None) for every clip, rendered once into bench/work/identity/clips."""
    folder = WORK / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    items, jobs = [], []
    for name, shot in shots():
        path = folder / name  # no extension, like blob-storage links
        if not path.exists():
            jobs.append((shot, path))
        items.append((name, path, shot.person))
    if jobs:
        print(f"rendering {len(jobs)} clips ...", flush=True)
        with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
            pool.map(_render_one, jobs)
    for i in range(2):
        path = folder / f"noface-{i}"
        if not path.exists():
            render_no_face(path.with_suffix(".tmp.mp4"), seconds=7, seed=i).replace(path)
        items.append((path.name, path, None))
    for source in ("bill_gates-0", "obama-1"):  # the same bytes behind another link: a duplicate
        path = folder / f"{source}-reupload"
        if not path.exists():
            shutil.copyfile(folder / source, path)
        items.append((path.name, path, source.rsplit("-", 1)[0]))
    corrupt = folder / "corrupt"
    if not corrupt.exists():
        corrupt.write_bytes((folder / "yao_ming-0").read_bytes()[:3000])
    items.append((corrupt.name, corrupt, None))
    return items


def run_influx(items, extra: list[str]) -> tuple[dict, str]:
    folder = WORK / "influx"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with open(folder / "in.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Video URL", "Performance"])
        w.writerows([(str(path), 1.0) for _, path, _ in items])
    influx = str(Path(sys.executable).parent / "influx")
    db = folder / "bench.duckdb"
    roots = sorted({str(Path(path).parent) for _, path, _ in items})  # the videos' folders: local files elsewhere
    roots = [a for root in roots for a in ("--local-root", root)]  # than the CSV's are read only when allowed
    ingest = measure([influx, "ingest", str(folder / "in.csv"), "--db", str(db), *roots, *extra])
    cluster = measure([influx, "cluster", "--db", str(db)])
    m = {k: ingest[k] + cluster[k] for k in ("wall_s", "cpu_s")}
    m["peak_mb"] = max(ingest["peak_mb"], cluster["peak_mb"])
    m["ingest"], m["cluster"] = ({k: v for k, v in x.items() if k != "output"} for x in (ingest, cluster))
    return m, str(db)


def flags(db: str) -> dict:
    """row_index -> uncertain, from an influx database."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    got = dict(con.execute("SELECT row_index, uncertain FROM video_influencers").fetchall())
    con.close()
    return got


def subset_db(db: str, rows: list[int], out: Path) -> str:
    """A copy of an ingested database holding only the faces of `rows` (a smaller library)."""
    import duckdb

    shutil.copyfile(db, out)
    con = duckdb.connect(str(out))
    con.execute("CREATE TEMP TABLE keep AS SELECT unnest(?::INTEGER[]) AS row_index", [rows])
    con.execute("DELETE FROM faces WHERE row_index NOT IN (SELECT row_index FROM keep)")
    con.close()
    return str(out)


def alike(people: list[str], size: int, draws: int) -> list[set[str]]:
    """`draws` sets of `size` people who look most alike to dlib (one age and look, like the hidden
    set of older men in suits): from each person, the people nearest the set's centre are added one
    by one (photo encodings, bench/library.py); the tightest distinct sets (mean distance of pairs)."""
    from bench import library

    enc = library.encodings()
    vec = np.array([enc[p] for p in people])
    found = {}
    for seed in range(len(people)):
        chosen = [seed]
        while len(chosen) < min(size, len(people)):
            rest = [i for i in range(len(people)) if i not in chosen]
            chosen.append(min(rest, key=lambda i: np.linalg.norm(vec[i] - vec[chosen].mean(axis=0))))
        d = np.linalg.norm(vec[chosen][:, None] - vec[chosen][None], axis=2)
        found.setdefault(frozenset(chosen), d.sum() / (len(chosen) * (len(chosen) - 1)))
    tightest = sorted(found, key=found.get)[:draws]
    return [{people[i] for i in s} for s in tightest]


def sweep(items, db: str, sizes: list[int], methods: list[str], draws: int, alike_sizes: list[int] = ()) -> list[dict]:
    """Cluster smaller libraries (random sets of people, `draws` each, and with `alike_sizes` the
    sets of people who look most alike) cut from one ingested database with each method, as
    commands; scores with the uncertain flags."""
    people = sorted({p for _, _, p in items if p})
    influx = str(Path(sys.executable).parent / "influx")
    out = []

    def drawn(size: int, draw: int) -> set[str]:
        return set(np.random.default_rng(draw).choice(people, size=min(size, len(people)), replace=False))

    sets = [(str(s), d, drawn(s, d)) for s in sizes for d in range(draws if s < len(people) else 1)]
    sets += [(f"{size} alike", draw, chosen) for size in alike_sizes
             for draw, chosen in enumerate(alike(people, size, draws))]  # fmt: skip
    for size, draw, chosen in sets:
        rows = [i for i, (_, _, p) in enumerate(items) if p in chosen or p is None]
        kept = set(rows)
        part = [(n, path, p if i in kept else None) for i, (n, path, p) in enumerate(items)]
        for method in methods:
            copy = subset_db(db, rows, WORK / f"sweep-{method}.duckdb")
            name, _, arg = method.partition(":")
            extra = ["--method", name] + (["--merge-distance", arg] if arg else [])
            m = measure([influx, "cluster", "--db", copy, *extra])
            pred, _ = influx_labels(copy, len(items))
            out.append({"size": size, "draw": draw, "method": method, "wall_s": m["wall_s"],
                        **score(part, pred, flags(copy))})  # fmt: skip
            r = out[-1]
            print(f"  {method:14} {size:>3} people (draw {draw}): P {r['bcubed_precision']:.3f} R "
                  f"{r['bcubed_recall']:.3f} F1 {r['bcubed_f1']:.3f}  unflagged P {r['unflagged_precision']:.3f}"
                  f"  flagged {r['flagged']:.2f}  {m['wall_s']:.1f} s", flush=True)  # fmt: skip
    return out


def influx_labels(db: str, n: int) -> tuple[list, dict]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
    facts = con.execute(
        "SELECT sum(frames_sampled), count(*) FILTER (status = 'ok'), (SELECT count(*) FROM faces) FROM videos"
    ).fetchone()
    con.close()
    return [got.get(i) for i in range(n)], {"frames_sampled": facts[0], "ok": facts[1], "faces": facts[2]}


def run_naive(items) -> tuple[dict, list]:
    folder = WORK / "naive"
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "videos.txt"
    listing.write_text("\n".join(str(p) for _, p, _ in items))
    m = measure([sys.executable, str(ROOT / "bench" / "naive.py"), str(listing), str(folder / "out.json")])
    got = json.loads((folder / "out.json").read_text())
    return m, [got.get(str(p)) for _, p, _ in items]


def score(items, pred: list, flagged: dict | None = None) -> dict:
    """Scores over the videos that show someone, and the predicted people holding several true ones;
    with `flagged` (row -> uncertain): BCubed precision over the videos not flagged, and the share flagged."""
    keep = [i for i, (_, _, person) in enumerate(items) if person is not None]
    truth = [items[i][2] for i in keep]
    got = [pred[i] for i in keep]
    out = accuracy(truth, got)
    if flagged is not None:
        clear = [k for k, i in enumerate(keep) if not flagged.get(i)]
        out["flagged"] = 1 - len(clear) / len(keep)
        out["unflagged_precision"] = bcubed([truth[k] for k in clear], [got[k] for k in clear])["precision"]
    members = defaultdict(Counter)
    for t, p in zip(truth, got, strict=True):
        if p is not None:
            members[p][t] += 1
    out["people_found"] = len(members)
    out["people_true"] = len(set(truth))
    out["mixed"] = {str(p): dict(c) for p, c in members.items() if len(c) > 1}
    out["unassigned"] = sum(1 for p in got if p is None)
    return out


def show(name: str, m: dict) -> None:
    print(f"{name:8} wall {m['wall_s']:6.1f} s  cpu {m['cpu_s']:6.1f} s  peak {m['peak_mb']:5.0f} MB  "
          f"BCubed P {m['bcubed_precision']:.3f} R {m['bcubed_recall']:.3f} F1 {m['bcubed_f1']:.3f}  "
          f"ARI {m['ari']:.3f}  people {m['people_found']}/{m['people_true']}"
          f"  unassigned {m['unassigned']}")  # fmt: skip
    if "flagged" in m:
        print(f"  flagged {m['flagged']:.2f}, BCubed P of the videos not flagged {m['unflagged_precision']:.3f}")
    for part in ("ingest", "cluster"):
        if part in m:
            print(f"  {part:7} wall {m[part]['wall_s']:6.1f} s  cpu {m[part]['cpu_s']:6.1f} s")
    for p, c in m["mixed"].items():
        print(f"  person {p} holds {c}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--db", help="score this influx database (made from this set) instead of running influx")
    ap.add_argument("--influx-args", default="", help="extra options for influx ingest, e.g. '--workers 1'")
    ap.add_argument("--fps", default="", help="also run influx at these --fps values (e.g. 1.8,2.2): how much "
                    "the accuracy depends on which frames happen to be sampled")  # fmt: skip
    ap.add_argument("--library", action="store_true", help="the crowded library of bench/library.py (49 people) "
                    "instead of the 19-person set")  # fmt: skip
    ap.add_argument("--sweep", default="", help="library sizes to cut from the ingested set, e.g. 10,25,49")
    ap.add_argument("--alike", default="", help="also sets of this many people who look most alike (one age and "
                    "look), e.g. 10 (with --library)")  # fmt: skip
    ap.add_argument("--methods", default="linkage,hdbscan", help="cluster methods for --sweep (fixed:0.55 is the "
                    "fixed distance of earlier versions)")  # fmt: skip
    ap.add_argument("--draws", type=int, default=3, help="random sets of people per size below the whole set")
    args = ap.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs {SHARED}")
    global WORK
    if args.library:
        WORK = ROOT / "bench" / "work" / "library"
    items = build_library() if args.library else build_set()
    print(f"{len(items)} clips, {len({p for _, _, p in items if p})} people, {os.cpu_count()} cores")
    rows = {}
    if args.db:
        pred, facts = influx_labels(args.db, len(items))
        rows["influx"] = {"wall_s": 0.0, "cpu_s": 0.0, "peak_mb": 0.0, **facts, **score(items, pred)}
    else:
        m, db = run_influx(items, args.influx_args.split())
        pred, facts = influx_labels(db, len(items))
        rows["influx"] = {**m, **facts, **score(items, pred, flags(db))}
    if args.sweep or args.alike:
        sizes, alike_sizes = ([int(x) for x in arg.split(",") if x] for arg in (args.sweep, args.alike))
        rows["sweep"] = sweep(items, args.db or db, sizes, args.methods.split(","), args.draws, alike_sizes)
    for fps in filter(None, args.fps.split(",")):
        m, db = run_influx(items, [*args.influx_args.split(), "--fps", fps])
        pred, facts = influx_labels(db, len(items))
        rows[f"fps {fps}"] = {**m, **facts, **score(items, pred)}
    if not args.skip_naive:
        m, pred = run_naive(items)
        rows["naive"] = {**{k: v for k, v in m.items() if k != "output"}, **score(items, pred)}
    for name, m in rows.items():
        if name != "sweep":
            show(name, m)
    print(f"influx: {rows['influx']['frames_sampled']} frames, {rows['influx']['faces']} faces")
    if "naive" in rows and not args.db:
        print(f"naive / influx (wall): {rows['naive']['wall_s'] / rows['influx']['wall_s']:.1f}x")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("library.json" if args.library else "identity.json")).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
