"""The whole pipeline on the fake face models (models.FakeDetector / FakeEncoder): ingest, cluster,
corrections, report and the CLI in seconds, without dlib. The real models are tested elsewhere."""

import shutil

import pytest
from click.testing import CliRunner

from influx import store
from influx.cli import cli
from influx.faces.extract import FaceOptions
from influx.faces.models.fake import FAKE_DIM
from influx.identity.cluster import MixedEncoders, cluster
from tests.builders import FAKE, fake_campaign
from tests.conftest import ro


@pytest.fixture(scope="module")
def fake_db(tmp_path_factory):
    path, names, summary = fake_campaign(tmp_path_factory.mktemp("fake"))
    return path, names, summary


def test_statuses_and_models_recorded(fake_db):
    path, names, summary = fake_db
    con = ro(path)
    statuses = [s for (s,) in con.execute("SELECT status FROM videos ORDER BY row_index").fetchall()]
    assert statuses == ["ok"] * 15 + ["no_faces", "duplicate", "failed"]
    assert con.execute("SELECT DISTINCT detector, encoder, len(embedding) FROM faces").fetchall() == [
        ("fake-squares 1", "fake-hue 1", FAKE_DIM)
    ]


def test_each_video_gets_its_main_person_and_people_stay_apart(fake_db):
    path, names, _ = fake_db
    con = ro(path)
    got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
    truth = [FAKE[n][1] for n in names]
    by_person = {}
    for i, person in enumerate(truth):
        if person is not None:
            by_person.setdefault(person, set()).add(got[i])
    assert all(len(ids) == 1 and None not in ids for ids in by_person.values())  # every video of a person: one id
    assert len({next(iter(ids)) for ids in by_person.values()}) == 5  # five people, never merged
    assert got[len(names)] == got[names.index("p0_0")]  # the duplicate shares its source's person
    seconds = con.execute("SELECT count(*) FROM video_people WHERE NOT is_dominant").fetchone()[0]
    assert seconds == 5  # the second person of each p*_1 video, attached to their own id


def test_scores_and_report_through_the_cli(fake_db, tmp_path):
    path, names, _ = fake_db
    con = ro(path)
    stats = con.execute("SELECT influencer_id, n_videos, n_duplicates, n_scores FROM influencer_stats").fetchall()
    con.close()
    assert sorted(r[1] for r in stats) == [3] * 5 and sum(r[2] for r in stats) == 1
    res = CliRunner().invoke(cli, ["report", "--db", str(path), "--out-dir", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "influencer_table.pdf").stat().st_size > 10_000
    assert len(list((tmp_path / "out" / "influencer_faces").glob("*.jpg"))) == 5
    listed = [line.strip() for line in res.output.splitlines() if "/out/" in line]  # one file a line
    assert "people.html (the contact sheet" in listed[-1] and len(listed) == 6, res.output
    assert any(line.endswith("influencer_details.csv") for line in listed)
    assert any(line.endswith("influencer_report.xlsx") for line in listed)
    res = CliRunner().invoke(cli, ["people", "--db", str(path), "--format", "csv"])
    assert res.exit_code == 0 and len(res.output.strip().splitlines()) == 1 + 5


def test_faces_of_two_encoders_are_not_clustered_together(fake_db, make_campaign, fake_videos, monkeypatch):
    """Faces stored by another encoder (a second fake one, of another name) are never compared with
    the first one's: cluster refuses the database, and the command says why in one line."""
    from influx.faces.models import registry

    class OtherEncoder(registry.FakeEncoder):
        name = "fake-hue 2"

    monkeypatch.setitem(registry.DETECTORS, "other", registry.FakeDetector)
    monkeypatch.setitem(registry.ENCODERS, "other", OtherEncoder)
    path, _, _ = fake_db
    con = store.connect(path)
    rows = con.execute("SELECT performance, video_url FROM videos ORDER BY row_index").fetchall()
    con.close()
    # the same CSV rows plus one more video, ingested with the other encoder into a copy
    more = make_campaign([*rows, (1.0, str(fake_videos["portrait"]))], "other", db_name="mixed.duckdb")
    shutil.copy(path, more.db)
    assert more.ingest().done_now == {"ok": 1}, "only the new row is read, by the other encoder"
    con = store.connect(more.db)
    assert con.execute("SELECT DISTINCT encoder FROM faces ORDER BY 1").fetchall() == [("fake-hue 1",), ("fake-hue 2",)]
    with pytest.raises(MixedEncoders, match="2 face encoders"):
        cluster(con)
    con.close()
    res = CliRunner().invoke(cli, ["cluster", "--db", str(more.db)])
    assert res.exit_code == 2 and "cannot be compared" in res.output and "Traceback" not in res.output, res.output


def test_identical_bytes_finished_out_of_order_end_under_the_lowest_row(tmp_path):
    """On Dask a higher row can finish first: the writer moves its faces to the lower row."""
    from influx.demo.synth import render_fake
    from influx.faces.extract import process_video
    from influx.ingest.writer import Writer

    video = render_fake(tmp_path / "v.mp4", [(3, 80, 0.0, 1.0)], seed=5)
    result = process_video(video, FaceOptions(model="fake"))
    con = store.connect(tmp_path / "w.duckdb")
    con.execute("INSERT INTO videos (row_index, video_url, status) SELECT i, 'u' || i, 'pending' FROM range(6) t(i)")
    writer = Writer(con)
    facts = {"sha256": "same", "bytes": 10}
    writer.video(5, result, **facts)
    writer.duplicate(4, 5, **facts)
    writer.move(5, 2, **facts)  # row 2, the same bytes, arrives later
    got = con.execute("SELECT row_index, status, duplicate_of, n_faces FROM videos WHERE row_index IN (2, 4, 5)"
                      " ORDER BY 1").fetchall()  # fmt: skip
    assert got == [(2, "ok", None, len(result.faces)), (4, "duplicate", 2, len(result.faces)),
                   (5, "duplicate", 2, len(result.faces))]  # fmt: skip
    assert con.execute("SELECT DISTINCT row_index FROM faces").fetchall() == [(2,)]
    assert con.execute("SELECT DISTINCT row_index FROM frame_hashes").fetchall() == [(2,)]
    # the moved-from row looks like a duplicate stored directly: nothing decoded of its own
    decode = "SELECT frames_sampled, width, height, fps, duration_s FROM videos WHERE row_index = ?"
    assert con.execute(decode, [5]).fetchone() == con.execute(decode, [4]).fetchone() == (None,) * 5
    assert con.execute(decode, [2]).fetchone()[0] == result.frames_sampled
    con.close()


def test_face_models_are_loaded_once_and_lent_to_each_new_thread(tmp_path, monkeypatch):
    """A Dask task runs each video on a new thread: the models loaded for one video serve the next
    (loading them per thread made a Dask ingest 2.7x slower), and two videos at once get two pairs."""
    import threading

    from influx.demo.synth import render_fake
    from influx.faces.extract import process_video
    from influx.faces.models import registry

    made = []

    class Counting(registry.FakeDetector):
        def __init__(self):
            made.append(self)

    monkeypatch.setitem(registry.DETECTORS, "fake", Counting)
    monkeypatch.setattr(registry, "_idle", {})
    video = render_fake(tmp_path / "v.mp4", [(2, 80, 0.0, 1.0)], seed=3)
    faces = []

    def one():
        faces.append(len(process_video(video, FaceOptions(model="fake")).faces))

    for _ in range(3):  # one after the other, each on a thread of its own
        t = threading.Thread(target=one)
        t.start()
        t.join()
    assert len(made) == 1 and faces[0] > 0 and len(set(faces)) == 1
    gate = threading.Barrier(2)
    real = registry._take

    def take_together(model):  # both threads ask for a pair before either gives one back
        pair = real(model)
        gate.wait(timeout=10)
        return pair

    monkeypatch.setattr(registry, "_take", take_together)
    both = [threading.Thread(target=one) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join()
    assert len(made) == 2 and len(faces) == 5


def test_a_row_given_another_video_leaves_the_people_tables_current(make_campaign, fake_videos):
    """A clustered row whose URL the sheet changed loses its faces; influencers kept the person's
    old counts (n_appearances 3 for 2 videos) until the next `influx cluster`."""
    names = list(FAKE)
    rows = [(1.0 + i, str(fake_videos[n])) for i, n in enumerate(names)]
    c = make_campaign(rows)
    c.ingest()
    c.cluster()
    con = ro(c.db)
    before = con.execute("SELECT influencer_id, n_appearances FROM influencers ORDER BY 1").fetchall()
    con.close()
    rows[1] = (2.0, str(fake_videos["nobody"]))  # row 1 (p0_1) is now a video without a person
    c.write(rows)
    c.ingest()
    con = ro(c.db)
    stored = con.execute("SELECT * FROM influencers ORDER BY influencer_id").fetchall()
    counts = dict(con.execute("SELECT influencer_id, count(*) FROM video_people GROUP BY 1").fetchall())
    con.close()
    assert stored != [] and {i: n for i, _, _, n, *_ in stored} == counts
    assert [n for _, n in before] != [n for _, _, _, n, *_ in stored]
