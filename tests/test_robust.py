"""Bad input, faults and interruptions: every row ends with a status and a reason; nothing is lost or doubled."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from influx.cli import cli
from influx.cli.ingest_options import ingest_opts
from influx.faces.extract import FaceOptions, process_video
from influx.faces.frames import sample_times
from influx.ingest import fetch, limits
from influx.ingest.csv_input import read_rows
from influx.ingest.limits import FetchOptions
from influx.ingest.pipeline import IngestOptions, StorageError, ingest
from tests.builders import REAL_MODEL, hard_files, options, real_clips, write_csv
from tests.conftest import ro
from tests.server import Server

HOSTILE = ["/status/404", "/status/500", "/stall", "/reset", "/loop", "/html", "/empty", "/big", "/bignolength"]
FAKE = FaceOptions(model="fake")


QUICK = dict(timeout=0.5, retries=1, backoff=0.01, max_bytes=200_000)  # short timeouts, one retry, 200 KB at most


def test_hostile_links_fail_per_row_and_the_run_goes_on(make_campaign, server):
    urls = [server.url + r for r in HOSTILE] + ["ftp://example.com/x", f"{server.url}/blob/p0_0"]
    c = make_campaign([(i, u) for i, u in enumerate(urls)], fetch={**QUICK, "max_bytes": 10_000_000})
    s = c.ingest()
    con = ro(c.db)
    rows = con.execute("SELECT row_index, status, error_kind, error FROM videos ORDER BY row_index").fetchall()
    assert len(rows) == len(urls)
    assert rows[-1][1] == "ok"
    for row_index, status, kind, error in rows[:-1]:
        assert status == "failed" and kind and error, (row_index, status, kind, error)
    assert sum(s.failures.values()) == len(urls) - 1
    # /big is 300 KB: under this run's cap it downloads, and then it is not a video
    assert dict((r[0], r[2]) for r in rows)[HOSTILE.index("/big")] == "decode"


def test_sniffer_is_not_fooled_by_urls_full_of_commas(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("Video URL;Performance\nhttp://a/x,y,z;1,5\nhttp://a/p,q;2\n")
    rows = read_rows(p)
    assert [(r.url, r.performance) for r in rows] == [("http://a/x,y,z", 1.5), ("http://a/p,q", 2.0)]


@pytest.fixture(scope="module")
def hard():
    return hard_files()


def test_audio_only_fails_with_reason(make_campaign, hard):
    c = make_campaign([hard["audio_only"]], fetch=QUICK)
    c.ingest()
    con = ro(c.db)
    status, kind, error = con.execute("SELECT status, error_kind, error FROM videos").fetchone()
    assert (status, kind) == ("failed", "decode") and "no video stream" in error


def test_single_frame_video(hard):
    r = process_video(hard["one_frame"], FAKE)
    assert r.frames_sampled == 1 and len(r.faces) == 1


def test_rotation_metadata_is_honoured(hard):
    r = process_video(hard["rotated"], FAKE)
    assert (r.width, r.height) == (360, 640), "displayed portrait"
    assert len(r.faces) == r.frames_sampled >= 2
    shapes = {(f.box[2] - f.box[0], f.box[1] - f.box[3]) for f in r.faces}  # (height, width)
    assert all(h > 1.5 * w for h, w in shapes), f"stored lying, the person stands only once rotated: {shapes}"


def test_two_hour_video_is_capped(hard):
    started = time.perf_counter()
    r = process_video(hard["two_hours"], FaceOptions(max_frames=30, thorough=True, model="fake"))
    assert r.frames_sampled == 30 and r.duration_s == pytest.approx(7200, rel=0.01)
    assert time.perf_counter() - started < 30
    picked = sample_times(7200.0, 1.0, 30)
    assert len(picked) == 30 and picked[0] < 240 and picked[-1] > 6960  # spread over the whole video


def test_a_download_cut_short_keeps_the_frames_that_arrived(hard):
    r = process_video(hard["cut_short"], FAKE)
    assert r.duration_s == pytest.approx(10, abs=0.2)  # the index still describes the whole video
    assert r.frames_sampled >= 2 and len(r.faces) == r.frames_sampled
    assert max(f.timestamp_s for f in r.faces) < 6.5  # only the first 60% can be decoded


def test_variable_frame_rate(hard):
    r = process_video(hard["vfr"], FAKE)
    assert r.frames_sampled >= 2 and len(r.faces) == r.frames_sampled


def _misbehaving(path, opts):
    """process_video, except that files named *stall* hang, *crash* kill their worker and *slow*
    take 1.5 s more (so they are still running when a crash breaks the pool)."""
    name = Path(path).name
    if "stall" in name:
        time.sleep(3600)
    if "crash" in name:
        os._exit(1)
    if "slow" in name:
        time.sleep(1.5)
    return process_video(path, opts)


def test_a_crashing_or_hanging_video_fails_alone_and_its_pool_mates_finish(tmp_path, make_campaign, hard):
    sources = {"crash": "vfr", "stall": "rotated", "slow": "one_frame"}
    for name, source in sources.items():
        shutil.copy(hard[source], tmp_path / f"{name}.mp4")
    c = make_campaign([tmp_path / f"{name}.mp4" for name in sources], fetch=QUICK, video_timeout=4,
                      process=_misbehaving)  # fmt: skip
    started = time.perf_counter()
    c.ingest()
    assert time.perf_counter() - started < 60
    got = {r[0]: r[1:] for r in ro(c.db).execute("SELECT local_path, status, error_kind, error FROM videos").fetchall()}
    by_name = {Path(k).stem: v for k, v in got.items()}
    assert by_name["crash"][:2] == ("failed", "crash")
    assert by_name["stall"][:2] == ("failed", "too_slow") and "--video-timeout" in by_name["stall"][2]
    assert by_name["slow"][:2] == ("ok", None)  # in the pool the crash broke, then retried alone


def test_cli_options_reach_the_ingest(tmp_path):
    ctx = cli.commands["ingest"].make_context("ingest", ["x.csv", "--thorough", "--video-timeout", "5", "--fps", "2"])
    got = ingest_opts(tmp_path / "x.duckdb", "x.csv", ctx.params)
    assert got.faces.thorough and got.faces.fps == 2 and got.video_timeout == 5
    default = ingest_opts(
        tmp_path / "x.duckdb", "x.csv", cli.commands["ingest"].make_context("ingest", ["x.csv"]).params
    )
    assert not default.faces.thorough and default.video_timeout == IngestOptions.video_timeout


def test_unwritable_videos_dir_is_a_clear_error(tmp_path, server):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    csv = write_csv(tmp_path / "u.csv", [(1, f"{server.url}/blob/p0_0")])
    db_path = tmp_path / "u.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(csv), "--db", str(db_path), "--videos-dir", str(blocker / "v")])
    assert result.exit_code == 2 and "cannot write to --videos-dir" in result.output
    assert not db_path.exists()


def test_full_disk_stops_the_run_and_keeps_what_is_stored(make_campaign, server, monkeypatch):
    c = make_campaign([f"{server.url}/blob/p0_0"], fetch=QUICK)
    c.ingest()
    c.write([f"{server.url}/blob/p0_0", f"{server.url}/blob/p1_0"])  # a second row, once the disk is full

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetch, "_http_once", no_space)
    with pytest.raises(StorageError, match="no space left"):
        c.ingest()
    con = ro(c.db)
    assert con.execute("SELECT status FROM videos ORDER BY row_index").fetchall() == [("ok",), ("pending",)]


def test_yt_dlp_runs_without_hooks_or_cookies(tmp_path, monkeypatch):
    import yt_dlp

    seen = {}

    class Fake:
        def __init__(self, params):
            seen.update(params)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def download(self, urls):
            raise yt_dlp.utils.DownloadError("offline")

    monkeypatch.setattr(yt_dlp, "YoutubeDL", Fake)
    o = FetchOptions(videos_dir=tmp_path)
    with pytest.raises(limits.FetchError, match="yt-dlp"):
        fetch.fetch("https://www.youtube.com/watch?v=abc", 3, o)
    assert seen["postprocessors"] == [] and "cookiefile" not in seen and "exec_cmd" not in seen
    assert "cookiesfrombrowser" not in seen
    o.cookies = "c.txt"
    with pytest.raises(limits.FetchError):
        fetch.fetch("https://www.tiktok.com/@a/video/1", 4, o)
    assert seen["cookiefile"] == "c.txt"


# ---- kill and Ctrl-C, on a real `influx ingest` process ----------------------------------


@pytest.fixture(scope="module")
def clips():
    files = real_clips(20)
    with Server(files) as s:
        yield s, sorted(files)


def _start(tmp: Path, csv: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "influx", "ingest", str(csv), "--db", str(tmp / "k.duckdb"), "--workers", "2"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp)


def _wait_for_downloads(tmp: Path, n: int, proc: subprocess.Popen, limit: float = 120) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if len([p for p in (tmp / "videos").glob("*.mp4")]) >= n:
            return
        time.sleep(0.05)
    pytest.fail("the ingest did not get going")


def _snapshot(path: Path):
    con = ro(path)
    videos = con.execute("SELECT row_index, status, n_faces, sha256 FROM videos ORDER BY row_index").fetchall()
    faces = con.execute("SELECT row_index, frame_index, box_top, box_left FROM faces ORDER BY ALL").fetchall()
    dup = con.execute(
        "SELECT count(*) FROM (SELECT row_index, frame_index, box_top, box_left, count(*) c FROM faces GROUP BY ALL HAVING c > 1)"
    ).fetchone()[0]
    half = con.execute(
        "SELECT count(*) FROM videos v WHERE status = 'ok' AND n_faces <> (SELECT count(*) FROM faces f WHERE f.row_index = v.row_index)"
    ).fetchone()[0]
    con.close()
    return videos, faces, dup, half


@pytest.mark.slow
def test_sigkill_then_rerun_equals_an_uninterrupted_run(tmp_path, clips):
    server, names = clips
    csv = write_csv(tmp_path / "k.csv", [(i, f"{server.url}/blob/{n}") for i, n in enumerate(names)])
    proc = _start(tmp_path, csv)
    _wait_for_downloads(tmp_path, 8, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done_before = _snapshot(tmp_path / "k.duckdb")[0]
    assert len(done_before) > 0 and any(s == "pending" for _, s, _, _ in done_before)  # killed mid-run
    again = _start(tmp_path, csv)
    out = again.communicate(timeout=300)[0].decode()
    assert again.returncode == 0, out
    videos, faces, dup, half = _snapshot(tmp_path / "k.duckdb")
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    ingest(ref_dir / "k.duckdb", csv, options(ref_dir, REAL_MODEL))  # the CLI's default model
    ref_videos, ref_faces, _, _ = _snapshot(ref_dir / "k.duckdb")
    assert dup == 0 and half == 0
    assert videos == ref_videos and faces == ref_faces
    assert {s for _, s, _, _ in videos} == {"ok"}


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_keeps_finished_videos_and_exits_130(tmp_path, clips):
    server, names = clips
    csv = write_csv(tmp_path / "c.csv", [(i, f"{server.url}/blob/{n}") for i, n in enumerate(names)])
    proc = _start(tmp_path, csv)
    _wait_for_downloads(tmp_path, 8, proc)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # the terminal sends Ctrl-C to the whole group
    out = proc.communicate(timeout=60)[0].decode()
    assert time.monotonic() - sent < 5
    assert proc.returncode == 130, out
    assert "Interrupted" in out and "Traceback" not in out
    videos, _, dup, half = _snapshot(tmp_path / "k.duckdb")
    assert dup == 0 and half == 0
    statuses = [s for _, s, _, _ in videos]
    assert "pending" in statuses and len(statuses) == 20


@pytest.mark.slow
def test_videos_processed_in_threads_of_one_process(real_videos):
    """A Dask worker started without --nthreads 1 runs several videos at once in one process: each
    thread gets its own dlib models (sharing them corrupted memory)."""
    import threading

    names = ["grace_big", "obama_a", "eileen_a", "biden_a"]
    alone = {n: len(process_video(real_videos[n]).faces) for n in names}
    together, errors = {}, []

    def run(name):
        try:
            for _ in range(2):
                together[name] = len(process_video(real_videos[name]).faces)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and together == alone
