"""Near-duplicate videos: the same ad re-encoded, resized or trimmed is found and not counted twice;
different clips of the same person stay distinct."""

import pytest

from fixtures.build import BUILD, building
from influx import store
from influx.demo.encode import reencode
from influx.demo.synth import Shot, render
from influx.faces.extract import FaceOptions
from influx.identity.cluster import cluster
from influx.ingest.limits import FetchOptions
from influx.ingest.pipeline import IngestOptions, ingest
from tests.conftest import ro, write_csv

pytestmark = pytest.mark.slow  # the real face models


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    folder = BUILD / "copies"
    folder.mkdir(parents=True, exist_ok=True)
    clips = {
        "ad": Shot("obama", photo=0, face=110, seconds=6.0, seed=31),
        "same_person_other_ad": Shot("obama", photo=0, face=110, seconds=6.0, seed=32),
        "same_person_other_photo": Shot("obama", photo=1, face=100, seconds=6.0, seed=33),
        "someone_else": Shot("grace_hopper", face=110, seconds=6.0, seed=34),
    }
    paths = {}
    with building():
        for name, shot in clips.items():
            paths[name] = folder / f"{name}.mp4"
            if not paths[name].exists():
                render(folder / f"{name}.tmp.mp4", shot).replace(paths[name])
        made = {  # another size, codec and bitrate; and the first second cut off
            "ad_reencoded": dict(width=480, height=270, codec="mpeg4", bitrate=150_000),
            "ad_trimmed": dict(width=640, height=360, codec="libx264", bitrate=600_000, start_s=1.0),
        }
        for name, kw in made.items():
            paths[name] = folder / f"{name}.mp4"
            if not paths[name].exists():
                reencode(paths["ad"], folder / f"{name}.tmp.mp4", **kw).replace(paths[name])
    order = ["ad", "same_person_other_ad", "ad_reencoded", "same_person_other_photo", "ad_trimmed", "someone_else"]
    tmp = tmp_path_factory.mktemp("copies")
    csv = write_csv(tmp / "in.csv", [(1.0 + i, str(paths[n])) for i, n in enumerate(order)])
    opts = IngestOptions(fetch=FetchOptions(videos_dir=tmp / "videos"), faces=FaceOptions(), workers=2)
    ingest(tmp / "store.duckdb", csv, opts)
    con = store.connect(tmp / "store.duckdb")
    cluster(con)
    con.close()
    return tmp / "store.duckdb", order


def test_reencoded_and_trimmed_copies_found(copies):
    path, order = copies
    con = ro(path)
    got = dict(con.execute("SELECT row_index, copy_of FROM videos ORDER BY row_index").fetchall())
    assert got == {0: None, 1: None, 2: 0, 3: None, 4: 0, 5: None}, got
    distances = [d for (d,) in con.execute("SELECT copy_distance FROM videos WHERE copy_of IS NOT NULL").fetchall()]
    assert all(0 <= d <= 7 for d in distances)


def test_copies_not_counted_twice(copies):
    path, order = copies
    con = ro(path)
    ad_person = con.execute("SELECT influencer_id FROM video_influencers WHERE row_index = 0").fetchone()[0]
    assert ad_person is not None
    counted = {r for (r,) in con.execute("SELECT row_index FROM scores").fetchall()}
    assert 2 not in counted and 4 not in counted
    assert {0, 1, 3, 5} <= counted  # the same person's other clips are scores of their own
    n_videos, n_duplicates = con.execute(
        "SELECT n_videos, n_duplicates FROM influencer_stats WHERE influencer_id = ?", [ad_person]
    ).fetchone()
    same = con.execute(
        "SELECT count(*) FROM video_influencers WHERE influencer_id = ? AND row_index IN (0, 2, 4)", [ad_person]
    ).fetchone()[0]
    assert same == 3  # the copies show the ad's influencer
    assert n_duplicates == 2
    assert n_videos == con.execute("SELECT count(*) FROM scores WHERE influencer_id = ?", [ad_person]).fetchone()[0]
