"""The demo: a small campaign of synthetic ad videos of real people, run end to end offline."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np

from influx.demo.synth import Shot, builtin_photos, render, render_no_face

# Each person's true mean score; the demo's scores are drawn around them, so ICC is meaningful.
MEANS = {"grace_hopper": 1.6, "obama": 1.1, "biden": 0.7, "eileen_collins": 1.3}
SHOTS_PER_PERSON = 4


def shots(people: list[str]) -> list[Shot]:
    """A varied campaign: sizes, blur, compression, tilt, occlusion, portrait, a second person."""
    out, seed = [], 100
    variants = [
        dict(face=140),
        dict(face=70, blur=1.0, jpeg_quality=30),
        dict(face=110, width=360, height=640, tilt=10),
        dict(face=90, occlude=True),
    ]
    for k in range(SHOTS_PER_PERSON):
        for i, person in enumerate(people):
            other = people[(i + 1) % len(people)] if k == 0 else None
            photos = len(builtin_photos()[person])
            out.append(Shot(person, photo=k % photos, second=other, second_face=55, seed=seed, **variants[k]))
            seed += 1
    return out


def build(folder: Path) -> Path:
    """Write the demo videos and `campaign.csv` into `folder`; return the CSV's path."""
    folder.mkdir(parents=True, exist_ok=True)
    videos = folder / "clips"
    people = [p for p in MEANS if p in builtin_photos()]
    rng = np.random.default_rng(7)
    rows = []
    for n, shot in enumerate(shots(people)):
        path = videos / f"ad-{n:02d}"  # no extension, like blob-storage links
        if not path.exists():
            render(path.with_suffix(".tmp.mp4"), shot).replace(path)
        rows.append((f"clips/{path.name}", round(MEANS[shot.person] + rng.normal(0, 0.25), 3)))
    noface = videos / "ad-noface"
    if not noface.exists():
        render_no_face(noface.with_suffix(".tmp.mp4")).replace(noface)
    rows.append((f"clips/{noface.name}", round(float(rng.normal(1.0, 0.3)), 3)))
    copy = videos / "ad-00-reupload"  # the same bytes behind another link
    shutil.copyfile(videos / "ad-00", copy)
    rows.append((f"clips/{copy.name}", round(MEANS[people[0]] + rng.normal(0, 0.25), 3)))
    csv_path = folder / "campaign.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Video URL", "Performance"])
        w.writerows(rows)
    return csv_path
