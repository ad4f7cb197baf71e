"""A small campaign on the fake face models (models.FakeDetector / FakeEncoder): built in seconds,
without dlib, for the tests of everything after detection."""

import shutil
from pathlib import Path

from fixtures.build import BUILD, building
from influx import store
from influx.demo.synth import render_fake
from influx.faces.extract import FaceOptions
from influx.identity.cluster import cluster
from influx.ingest.limits import FetchOptions
from influx.ingest.pipeline import IngestOptions, ingest
from tests.conftest import write_csv

# name -> (people on screen as (person, size, from, until), true influencer)
VIDEOS = {}
for person in range(5):
    for k in range(3):
        others = [((person + 1 + k) % 5, 45, 0.3, 0.7)] if k == 1 else []  # a second person, 40% of the time
        VIDEOS[f"p{person}_{k}"] = ([(person, 70 + 15 * k, 0.0, 1.0), *others], person)
VIDEOS["nobody"] = ([], None)


def fake_campaign(tmp: Path, report: bool = False):
    """Ingest and cluster the fake videos (plus an identical copy and a broken file) into
    tmp/influx.duckdb; with `report`, write the report beside it. Returns (path, names, summary)."""
    folder = BUILD / "fake"
    paths = {}
    with building():
        for i, (name, (people, _)) in enumerate(VIDEOS.items()):
            paths[name] = folder / f"{name}.mp4"
            if not paths[name].exists():
                render_fake(folder / f"{name}.tmp.mp4", people, seed=100 + i).replace(paths[name])
    shutil.copy(paths["p0_0"], tmp / "p0_0_copy.mp4")  # identical bytes behind another path
    (tmp / "broken.mp4").write_bytes(paths["p1_0"].read_bytes()[:1500])
    names = list(VIDEOS)
    rows = [(1.0 + i % 5 + 0.1 * (i // 5), str(paths[n])) for i, n in enumerate(names)]
    rows += [(9.0, str(tmp / "p0_0_copy.mp4")), (9.0, str(tmp / "broken.mp4"))]
    opts = IngestOptions(fetch=FetchOptions(videos_dir=tmp / "videos"), faces=FaceOptions(model="fake"), workers=2)
    path = tmp / "influx.duckdb"
    summary = ingest(path, write_csv(tmp / "in.csv", rows), opts)
    con = store.connect(path)
    cluster(con)
    con.close()
    if report:
        from influx.report import report as write_report

        write_report(path, tmp)
    return path, names, summary
