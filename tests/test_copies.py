"""Near-duplicate videos: the same ad re-encoded, resized or trimmed is found and not counted twice;
different clips of the same person stay distinct."""

import pytest

from tests.builders import REAL_MODEL, campaign, copy_clips
from tests.conftest import ro

pytestmark = pytest.mark.slow  # the real face models


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    paths = copy_clips()
    order = ["ad", "same_person_other_ad", "ad_reencoded", "same_person_other_photo", "ad_trimmed", "someone_else"]
    c = campaign(tmp_path_factory.mktemp("copies"), [paths[n] for n in order], REAL_MODEL, db_name="store.duckdb")
    c.ingest()
    c.cluster()
    return c.db, order


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
