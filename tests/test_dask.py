"""Ingest on a Dask cluster (a LocalCluster of 2 worker processes started here): the same database
as the local pool, every row once when a worker dies mid-run, crashes contained, Ctrl-C exits 130."""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from influx.faces.extract import process_video
from influx.ingest.pipeline import ingest
from tests.builders import REAL_MODEL, options, real_clips, write_csv
from tests.conftest import ro
from tests.test_ingest import NAMES

slow = pytest.mark.slow  # a Dask LocalCluster and the real face models


@pytest.fixture
def dask_cluster():
    """A cluster of two workers for one test: a test that kills or restarts workers leaves the
    next test none of its nannies' state (under load, the nannies a restart left behind closed at
    the next test's start and an ingest waited on a cluster with no workers)."""
    import dask
    import distributed

    # a video that kills its worker is given up after 2 deaths (Dask's default is 4), to keep the test short
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, preload=["influx.dask_executor"]
        ) as c,  # as the README starts workers
    ):
        yield c


def opts(tmp, scheduler=None, **kw):
    return options(tmp, REAL_MODEL, fetch=dict(timeout=2, retries=1, backoff=0.05), scheduler=scheduler, **kw)


def content(path):
    con = ro(path)
    rows = con.execute(
        "SELECT row_index, status, error_kind, duplicate_of, sha256, bytes, n_faces, frames_sampled, width, height"
        " FROM videos ORDER BY row_index"
    ).fetchall()
    faces = con.execute(
        "SELECT row_index, frame_index, box_top, box_right, box_bottom, box_left, embedding FROM faces"
        " ORDER BY row_index, frame_index, box_left"
    ).fetchall()
    hashes = con.execute("SELECT row_index, timestamp_s, dhash FROM frame_hashes ORDER BY 1, 2").fetchall()
    return rows, faces, hashes


@slow
def test_dask_gives_the_same_database_as_the_local_pool(tmp_path, real_server, dask_cluster):
    csv = write_csv(tmp_path / "in.csv", [(i + 0.5, f"{real_server.url}/blob/{n}") for i, n in enumerate(NAMES)])
    (tmp_path / "local").mkdir()
    (tmp_path / "dask").mkdir()
    ingest(tmp_path / "local" / "db.duckdb", csv, opts(tmp_path / "local"))
    summary = ingest(tmp_path / "dask" / "db.duckdb", csv, opts(tmp_path / "dask", dask_cluster.scheduler_address))
    assert sum(summary.done_now.values()) == len(NAMES)
    local, remote = content(tmp_path / "local" / "db.duckdb"), content(tmp_path / "dask" / "db.duckdb")
    assert local[0] == remote[0]  # rows: statuses, duplicates, hashes, counts
    assert {r[1] for r in remote[0]} == {"ok", "no_faces", "duplicate", "failed"}
    assert [f[:6] for f in local[1]] == [f[:6] for f in remote[1]]
    for a, b in zip(local[1], remote[1], strict=True):  # the same decoder and models: the same vectors
        assert np.allclose(a[6], b[6], atol=1e-6)
    assert local[2] == remote[2]
    assert not (tmp_path / "dask" / "videos").exists() or not any((tmp_path / "dask" / "videos").iterdir())


@slow
def test_a_worker_killed_mid_run_still_stores_every_row_once(tmp_path, real_server, dask_cluster):
    clips = real_clips(12)
    real_server.files.update(clips)
    csv = write_csv(tmp_path / "in.csv", [(float(i), f"{real_server.url}/blob/{n}") for i, n in enumerate(clips)])
    import distributed

    client = distributed.Client(dask_cluster.scheduler_address, set_as_default=False)
    pids = list(client.run(os.getpid).values())
    killed = []

    def on_done(row_index, status):
        if not killed:  # a worker dies while others' videos are in flight
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    summary = ingest(tmp_path / "db.duckdb", csv, opts(tmp_path, dask_cluster.scheduler_address), on_done=on_done)
    client.close()
    assert killed
    con = ro(tmp_path / "db.duckdb")
    assert con.execute("SELECT status, count(*) FROM videos GROUP BY 1").fetchall() == [("ok", 12)]
    per_row = con.execute("SELECT count(DISTINCT row_index), count(*) FILTER (frame_index = 0) FROM faces").fetchone()
    assert per_row[0] == 12
    assert sum(summary.done_now.values()) == 12
    dupes = con.execute(
        "SELECT count(*) FROM (SELECT row_index, frame_index, box_left, count(*) n FROM faces GROUP BY ALL) WHERE n > 1"
    ).fetchone()[0]
    assert dupes == 0  # no face stored twice


def crash_on_some(path, opts):
    """process_video, except that a file named *crash* kills its process."""
    if "crash" in str(path):
        os.kill(os.getpid(), signal.SIGKILL)
    return process_video(path, opts)


@slow
def test_a_crashing_video_fails_as_crash_and_the_rest_finish(tmp_path, real_videos, dask_cluster):
    crash = tmp_path / "crash.mp4"  # local paths are read in place: the worker sees this name
    crash.write_bytes(real_videos["grace_small"].read_bytes())
    csv = write_csv(tmp_path / "in.csv", [(1.0, str(real_videos["obama_a"])), (2.0, str(crash))])
    ingest(tmp_path / "db.duckdb", csv, opts(tmp_path, dask_cluster.scheduler_address, process=crash_on_some))
    con = ro(tmp_path / "db.duckdb")
    got = con.execute("SELECT row_index, status, error_kind FROM videos ORDER BY 1").fetchall()
    assert got == [(0, "ok", None), (1, "failed", "crash")]


def stall_on_some(path, opts):
    """process_video, except that a file named *stall* hangs (a decoder stuck on a hostile file)."""
    if "stall" in str(path):
        time.sleep(3600)
    return process_video(path, opts)


@slow
def test_video_timeout_applies_on_the_workers(tmp_path, real_videos, dask_cluster):
    stall = tmp_path / "stall.mp4"
    stall.write_bytes(real_videos["grace_small"].read_bytes())
    csv = write_csv(
        tmp_path / "in.csv",
        [(1.0, str(stall)), (2.0, str(real_videos["obama_a"])), (3.0, str(real_videos["eileen_a"]))],
    )
    o = opts(tmp_path, dask_cluster.scheduler_address, process=stall_on_some, video_timeout=4)
    started = time.monotonic()
    ingest(tmp_path / "db.duckdb", csv, o)
    assert time.monotonic() - started < 60
    con = ro(tmp_path / "db.duckdb")
    got = con.execute("SELECT row_index, status, error_kind FROM videos ORDER BY 1").fetchall()
    assert got == [(0, "failed", "too_slow"), (1, "ok", None), (2, "ok", None)]


@slow
def test_a_cluster_without_workers_is_said_and_the_run_waits_for_one(tmp_path, real_videos, monkeypatch):
    """A cluster whose workers all died (or were never started) left the run waiting in silence."""
    import distributed

    from influx.ingest import dask_executor

    monkeypatch.setattr(dask_executor, "NO_WORKERS_WARNING_S", 1)
    csv = write_csv(tmp_path / "in.csv", [(1.0, str(real_videos["obama_a"]))])
    said = []
    with distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None,
                                  preload=["influx.dask_executor"]) as cluster:  # fmt: skip

        def on_warning(message):
            said.append(message)
            cluster.scale(1)  # a worker arrives: the run goes on

        ingest(tmp_path / "db.duckdb", csv, opts(tmp_path, cluster.scheduler_address), on_warning=on_warning)
    assert len(said) == 1 and "has had no worker for" in said[0] and cluster.scheduler_address in said[0], said
    con = ro(tmp_path / "db.duckdb")
    assert con.execute("SELECT status FROM videos").fetchall() == [("ok",)]


@slow
def test_ctrl_c_on_a_dask_ingest_exits_130_and_keeps_finished_videos(tmp_path, real_server, dask_cluster):
    clips = real_clips(6)
    real_server.files.update(clips)
    rows = [(float(i), f"{real_server.url}/blob/{n}") for i, n in enumerate(clips)]
    rows += [(9.0, f"{real_server.url}/trickle?{i}") for i in range(4)]  # downloads that never finish
    csv = write_csv(tmp_path / "in.csv", rows)
    db_path = tmp_path / "db.duckdb"
    cmd = [sys.executable, "-m", "influx", "ingest", str(csv), "--db", str(db_path),
           "--scheduler", dask_cluster.scheduler_address, "--download-deadline", "120"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(20)  # the six clips are done in about 5 s; the trickles are still downloading
    assert proc.poll() is None
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 15
    assert proc.returncode == 130, out + err
    assert "Interrupted" in out + err and "Traceback" not in out + err
    con = ro(db_path)
    got = dict(con.execute("SELECT status, count(*) FROM videos GROUP BY 1").fetchall())
    assert got == {"ok": 6, "pending": 4}


@slow
def test_a_scheduler_that_goes_away_is_a_clear_error_and_the_next_run_resumes(tmp_path, real_server):
    import threading

    from influx.ingest.dask_executor import SchedulerLost

    clips = real_clips(8)
    real_server.files.update(clips)
    csv = write_csv(tmp_path / "in.csv", [(float(i), f"{real_server.url}/blob/{n}") for i, n in enumerate(clips)])
    import distributed

    going = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    stopped = []

    def on_done(row_index, status):
        if not stopped:
            stopped.append(threading.Thread(target=going.close))
            stopped[0].start()

    with pytest.raises(SchedulerLost, match="Dask scheduler"):
        ingest(tmp_path / "db.duckdb", csv, opts(tmp_path, going.scheduler_address), on_done=on_done)
    stopped[0].join()
    con = ro(tmp_path / "db.duckdb")
    kept = con.execute("SELECT count(*) FROM videos WHERE status = 'ok'").fetchone()[0]
    con.close()
    assert 1 <= kept < 8
    summary = ingest(tmp_path / "db.duckdb", csv, opts(tmp_path))  # the local pool finishes the rest
    assert summary.to_process == 8 - kept and summary.statuses["ok"] == 8


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path, fake_videos, monkeypatch):
    from click.testing import CliRunner

    from influx.cli import cli

    monkeypatch.setattr("influx.ingest.dask_executor.CONNECT_TIMEOUT", "1s")  # not 10 s: nobody is there

    csv = write_csv(tmp_path / "in.csv", [(1.0, str(fake_videos["p0_0"]))])
    res = CliRunner().invoke(cli, ["ingest", str(csv), "--db", str(tmp_path / "db.duckdb"), "--local-root",
                                   str(fake_videos["p0_0"].parent), "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in res.output
    assert "Traceback" not in res.output


def test_no_worker_watch_says_an_outage_after_30_s_each_time_and_never_while_workers_run():
    """Workers busy for minutes are no outage. No worker, or no answer from the scheduler, for 30 s
    is said once per 5 minutes; after the workers came back, a new outage is said after 30 s again."""
    from influx.ingest.dask_executor import NoWorkerWatch

    now, said = [0.0], []
    watch = NoWorkerWatch("tcp://10.0.0.5:8786", said.append, clock=lambda: now[0])

    def run(seconds, answer):
        def identity():
            if isinstance(answer, Exception):
                raise answer
            return {"n_workers": answer}

        for _ in range(int(seconds)):
            now[0] += 1
            watch.check(identity)
        got = list(said)
        said.clear()
        return [re.search(r"(has had no worker|has not answered) for (\d+) s", m).groups() for m in got]

    assert run(600, 2) == []  # workers, however long their videos take
    assert run(29, 0) == []
    assert run(302, 0) == [("has had no worker", "30"), ("has had no worker", "330")]  # (asked every 5 s)
    assert run(10, 1) == []  # a worker came back
    assert run(35, 0) == [("has had no worker", "30")]  # not 5 minutes after the last warning
    assert run(10, 3) == []
    assert run(35, TimeoutError()) == [("has not answered", "30")]
    assert run(10, 1) == [] and run(35, OSError("gone")) == [("has not answered", "30")]


@pytest.mark.parametrize("address", ["notaurl", "udp://x:1", "tcp://:x", "tcp://host:"])
def test_a_malformed_scheduler_address_is_one_line_and_exit_2(tmp_path, fake_videos, address):
    from click.testing import CliRunner

    from influx.cli import cli

    csv = write_csv(tmp_path / "in.csv", [(1.0, str(fake_videos["p0_0"]))])
    res = CliRunner().invoke(cli, ["ingest", str(csv), "--db", str(tmp_path / "db.duckdb"), "--scheduler", address,
                                   "--local-root", str(fake_videos["p0_0"].parent)])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "is not a Dask scheduler address like tcp://" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "db.duckdb").exists()  # refused before anything is written


@slow
def test_the_worker_preload_loads_the_face_models_before_the_first_video():
    """`dask worker --preload influx.dask_executor` runs dask_setup when the worker starts."""
    code = (
        "from influx.faces.models import registry; from influx.dask_executor import dask_setup;"
        "assert not registry._idle; dask_setup(None);"
        "print(sorted((m, len(p)) for m, p in registry._idle.items()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    from influx.faces.models.registry import default_model

    assert out.strip() == f"[('{default_model()}', 1)]"


@slow
def test_workers_undo_the_nannys_malloc_trim(dask_cluster):
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set (1.5x slower processing here);
    each worker sets glibc back to reusing freed memory on its first row."""
    import distributed

    from influx.ingest.dask_executor import undo_nanny_malloc_trim

    with distributed.Client(dask_cluster, set_as_default=False) as client:
        env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        undone = client.run(undo_nanny_malloc_trim.__wrapped__)
    assert set(env.values()) == {"65536"}  # Dask's default, which this undoes
    if sys.platform.startswith("linux"):
        assert all(undone.values())
    # a process the nanny did not start is left alone
    assert subprocess.run([sys.executable, "-c", "import os, sys; os.environ.pop('MALLOC_TRIM_THRESHOLD_', None);"
                           "from influx.ingest.dask_executor import undo_nanny_malloc_trim as u; sys.exit(int(u()))"],
                          env={k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}).returncode == 0  # fmt: skip
