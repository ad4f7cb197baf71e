"""Extended tests over ../shared/fixtures: videos made from real photos of seven people, served
over local HTTP, plus the real clip. Skipped when ../shared is absent."""

import cv2
import numpy as np
import pytest

from influx.demo.synth import Shot, render
from tests.builders import REAL_MODEL, campaign
from tests.conftest import ro
from tests.server import Server

pytestmark = pytest.mark.slow  # the real face models on ../shared

VARIANTS = [
    dict(face=130),
    dict(face=70, blur=1.0, jpeg_quality=30),
    dict(face=100, width=360, height=640, tilt=10),
]


@pytest.fixture(scope="module")
def shared_run(tmp_path_factory):
    from tests.conftest import SHARED

    if not SHARED.is_dir():
        pytest.skip(f"../shared/fixtures is absent ({SHARED})")
    tmp = tmp_path_factory.mktemp("shared")
    photos = {
        d.name: [cv2.imread(str(p)) for p in sorted(d.iterdir()) if "partial" not in p.name and "240p" not in p.name]
        for d in sorted((SHARED / "faces").iterdir())
    }
    people = sorted(photos)
    files, truth, seed = {}, [], 0
    for k, variant in enumerate(VARIANTS):
        for i, person in enumerate(people):
            if person == "lin_manuel_miranda" and k > 0:
                continue  # one photo only: one video, plus the real clip
            second = people[(i + 1) % len(people)] if k == 1 else None
            name = f"{person}-{k}"
            path = tmp / f"{name}.mp4"
            render(path, Shot(person, photo=k, second=second, second_face=50, seed=seed, **variant), photos)
            files[name] = path
            truth.append((name, person))
            seed += 1
    files["hamilton"] = SHARED / "videos" / "short_hamilton_clip.mp4"
    truth.append(("hamilton", "lin_manuel_miranda"))
    with Server(files) as server:
        c = campaign(tmp, [(1.0, f"{server.url}/blob/{n}") for n, _ in truth], REAL_MODEL, db_name="store.duckdb")
        summary = c.ingest()
    c.cluster()
    return tmp, truth, summary


def test_every_face_video_ok_with_embeddings_and_crops(shared_run):
    tmp, truth, summary = shared_run
    assert summary.statuses == {"ok": len(truth)}
    con = ro(tmp / "store.duckdb")
    bad = con.execute("SELECT count(*) FROM faces WHERE len(embedding) <> 128 OR octet_length(crop) < 100").fetchone()
    assert bad[0] == 0


def test_video_influencers_match_true_people(shared_run):
    from sklearn.metrics import adjusted_rand_score

    tmp, truth, _ = shared_run
    con = ro(tmp / "store.duckdb")
    got = [iid for (iid,) in con.execute("SELECT influencer_id FROM video_influencers ORDER BY row_index").fetchall()]
    assert None not in got
    assert adjusted_rand_score([p for _, p in truth], got) == 1.0
    assert con.execute("SELECT count(*) FROM influencer_stats").fetchone()[0] == len({p for _, p in truth})


def test_hamilton_clip_joins_lin_manuel_mirandas_photo_video(shared_run):
    tmp, truth, _ = shared_run
    con = ro(tmp / "store.duckdb")
    rows = {n: i for i, (n, _) in enumerate(truth)}
    got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
    assert got[rows["hamilton"]] == got[rows["lin_manuel_miranda-0"]]
    emb = np.array(
        [e for (e,) in con.execute("SELECT embedding FROM faces WHERE row_index = ?", [rows["hamilton"]]).fetchall()]
    )
    assert len(emb) >= 2  # early stop: three frames, Lin-Manuel Miranda in two of them at least
