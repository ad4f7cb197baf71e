import numpy as np
import pytest
from click.testing import CliRunner

from influx import store
from influx.cli import cli
from influx.faces.extract import FaceOptions
from influx.ingest.pipeline import ingest
from tests.builders import REAL_MODEL, options, write_csv
from tests.conftest import held_by_another_process, ro

slow = pytest.mark.slow  # the real face models

NAMES = ["grace_big", "obama_a", "noface", "grace_big_copy", "truncated", "eileen_b", "grace_small"]


def opts(tmp_path, **kw):
    return options(tmp_path, REAL_MODEL, fetch=dict(timeout=2, retries=1, backoff=0.05), **kw)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, real_server):
    tmp = tmp_path_factory.mktemp("ingest")
    csv = write_csv(tmp / "in.csv", [(i + 0.5, f"{real_server.url}/blob/{n}") for i, n in enumerate(NAMES)])
    summary = ingest(tmp / "store.duckdb", csv, opts(tmp))
    return tmp, csv, summary


@slow
def test_statuses_per_video(ingested):
    tmp, _, summary = ingested
    con = ro(tmp / "store.duckdb")
    status = dict(con.execute("SELECT row_index, status FROM videos").fetchall())
    assert status == {0: "ok", 1: "ok", 2: "no_faces", 3: "duplicate", 4: "failed", 5: "ok", 6: "ok"}
    assert summary.done_now["ok"] == 4 and summary.failures == {"decode": 1}
    err = con.execute("SELECT error FROM videos WHERE row_index = 4").fetchone()[0]
    assert "decod" in err
    # downloads keep the notebooks' naming
    assert (tmp / "videos" / "0.mp4").exists() and not list((tmp / "videos").glob("*.part"))


@slow
def test_faces_found_and_stored(ingested):
    tmp, _, _ = ingested
    con = ro(tmp / "store.duckdb")
    per_video = dict(con.execute("SELECT row_index, count(*) FROM faces GROUP BY 1").fetchall())
    # every sampled frame has its main face (obama_a may show biden's smaller face too)
    frames = dict(con.execute("SELECT row_index, frames_sampled FROM videos WHERE status='ok'").fetchall())
    assert per_video[0] == frames[0] and per_video[6] == frames[6] and per_video[1] >= frames[1]
    small = con.execute("SELECT min(face_size), max(face_size) FROM faces WHERE row_index = 6").fetchone()
    assert small[0] >= 40 and small[1] <= 65
    row = con.execute("SELECT len(embedding), octet_length(crop), sharpness, frontality FROM faces LIMIT 1").fetchone()
    assert row[0] == 128 and row[1] > 500 and row[2] > 0 and 0 <= row[3] <= 1
    crop = con.execute("SELECT crop FROM faces LIMIT 1").fetchone()[0]
    assert crop[:2] == b"\xff\xd8"  # JPEG


@slow
def test_thorough_finds_the_small_second_face(real_videos):
    from influx.faces.extract import process_video

    quick = process_video(real_videos["obama_a"])
    thorough = process_video(real_videos["obama_a"], FaceOptions(thorough=True))
    main_face_frames = {f.frame_index for f in quick.faces if f.face_size > 90}
    assert len(main_face_frames) == quick.frames_sampled  # the main face in every frame
    assert len(thorough.faces) > thorough.frames_sampled  # plus biden's 60 px face for a while
    assert min(f.face_size for f in thorough.faces) < 70


@slow
def test_early_stop_once_people_are_stable(real_videos):
    from influx.faces.extract import process_video

    r = process_video(real_videos["grace_big"], FaceOptions(max_frames=12, fps=5))
    assert r.frames_sampled == FaceOptions().min_frames
    assert (
        process_video(real_videos["grace_big"], FaceOptions(max_frames=12, fps=5, thorough=True)).frames_sampled == 12
    )


@slow
def test_same_person_embeddings_close(ingested):
    tmp, _, _ = ingested
    con = ro(tmp / "store.duckdb")

    def emb(row):
        return np.array(
            [e for (e,) in con.execute(
                "SELECT embedding FROM faces WHERE row_index = ? ORDER BY face_size DESC LIMIT 2", [row]
            ).fetchall()]
        )  # fmt: skip

    grace_big, grace_small, eileen = emb(0), emb(6), emb(5)
    assert np.linalg.norm(grace_big[0] - grace_small[0]) < 0.6
    assert np.linalg.norm(grace_big[0] - eileen[0]) > 0.6


@slow
def test_identical_bytes_decoded_once(ingested):
    tmp, _, _ = ingested
    con = ro(tmp / "store.duckdb")
    dup = con.execute("SELECT duplicate_of, n_faces, sha256 FROM videos WHERE row_index = 3").fetchone()
    assert dup[0] == 0
    assert con.execute("SELECT count(*) FROM faces WHERE row_index = 3").fetchone()[0] == 0
    assert dup[1] == con.execute("SELECT n_faces FROM videos WHERE row_index = 0").fetchone()[0]


@slow
def test_rerun_does_nothing_and_new_rows_only(ingested, real_server):
    tmp, csv, _ = ingested
    con = ro(tmp / "store.duckdb")
    before = con.execute("SELECT count(*), max(face_id) FROM faces").fetchone()
    con.close()
    again = ingest(tmp / "store.duckdb", csv, opts(tmp))
    assert again.to_process == 0 and sum(again.done_now.values()) == 0
    with open(csv, "a") as f:
        f.write(f"9.5,{real_server.url}/blob/biden_a\n")
    hits = real_server.hits.copy()
    third = ingest(tmp / "store.duckdb", csv, opts(tmp))
    assert third.new_rows == 1 and third.to_process == 1 and third.done_now["ok"] == 1
    fetched = {p for p in real_server.hits if real_server.hits[p] > hits.get(p, 0)}
    assert fetched == {"/blob/biden_a"}
    con = ro(tmp / "store.duckdb")
    after = con.execute("SELECT count(*) FROM faces WHERE row_index < 7").fetchone()
    assert after[0] == before[0]


@slow
def test_retry_failed(ingested):
    tmp, csv, _ = ingested
    summary = ingest(tmp / "store.duckdb", csv, opts(tmp, retry_failed=True))
    assert summary.to_process == 1 and summary.done_now["failed"] == 1


def test_cli_ingest_local_paths_and_summary(tmp_path, fake_videos, fake_models):
    csv = write_csv(tmp_path / "in.csv", [(1, str(fake_videos["p0_0"])), (2, fake_videos["nobody"].as_uri())])
    root = fake_videos["p0_0"].parent  # the videos are outside the CSV's folder: allowed by name
    result = CliRunner().invoke(cli, ["ingest", str(csv), "--db", str(tmp_path / "c.duckdb"), "--workers", "1",
                                      "--local-root", str(root)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "faces stored" in result.output
    con = ro(tmp_path / "c.duckdb")
    rows = con.execute("SELECT status, local_path FROM videos ORDER BY row_index").fetchall()
    assert rows == [("ok", str(fake_videos["p0_0"])), ("no_faces", str(fake_videos["nobody"]))]
    assert not (tmp_path / "videos").exists()  # read in place, no copy


def test_database_in_use(tmp_path, fake_videos):
    path = tmp_path / "busy.duckdb"
    store.connect(path).close()
    csv = write_csv(tmp_path / "in.csv", [(1, str(fake_videos["p0_0"]))])
    with held_by_another_process(path):
        result = CliRunner().invoke(cli, ["ingest", str(csv), "--db", str(path)])
    assert result.exit_code == 2 and "in use by another process" in result.output, result.output


@slow
def test_a_changed_url_starts_its_row_over(ingested, real_server):
    tmp, csv, _ = ingested
    path = tmp / "store.duckdb"
    con = store.connect(path)
    from influx.identity.cluster import cluster

    cluster(con)
    assert con.execute("SELECT count(*) FROM video_people WHERE row_index = 5").fetchone()[0] == 1
    from influx.ingest.csv_input import read_rows
    from influx.ingest.pipeline import sync_rows

    rows = read_rows(csv)
    rows[5].url = f"{real_server.url}/blob/biden_a"  # the sheet now has another video at row 5
    rows[1].performance = 42.0
    assert sync_rows(con, rows, tmp / "videos") == 1
    got = con.execute("SELECT status, video_url FROM videos WHERE row_index = 5").fetchone()
    assert got == ("pending", rows[5].url)
    assert con.execute("SELECT count(*) FROM faces WHERE row_index = 5").fetchone()[0] == 0
    assert con.execute("SELECT influencer_id FROM video_influencers WHERE row_index = 5").fetchone()[0] is None
    assert con.execute("SELECT performance FROM videos WHERE row_index = 1").fetchone()[0] == 42.0
    assert not list((tmp / "videos").glob("5.*"))
    con.close()
