import contextlib
import os
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from tests import builders
from tests.server import Server

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject's addopts): a worker a core, and one more. A worker spends about a fifth
    of the fast tests waiting, its core idle (hostile servers' timeouts, a hung video's
    --video-timeout, the browser and `influx` processes): the extra worker runs a test meanwhile.
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores + 1


@pytest.fixture(scope="session")
def fake_videos() -> dict[str, Path]:
    """Videos for the fake face models (tests/builders/videos.py: FAKE, and a few more)."""
    return builders.fake_videos()


@pytest.fixture(scope="session")
def real_videos() -> dict[str, Path]:
    """Real-face videos (slow tests only: made with face_recognition, read by the real models)."""
    return builders.real_videos()


@pytest.fixture(scope="session")
def server(fake_videos):
    """127.0.0.1 serving the fake videos at /blob/<name>, and hostile routes (tests/server.py)."""
    with Server(dict(fake_videos)) as s:
        yield s


@pytest.fixture(scope="session")
def real_server(real_videos):
    """The same server for the real-face videos (slow tests)."""
    with Server(dict(real_videos)) as s:
        yield s


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared/fixtures is absent ({SHARED}): extended test skipped")
    return SHARED


@pytest.fixture
def make_campaign(tmp_path):
    """make_campaign(rows, model="fake", name="campaign", **option_changes) -> builders.Campaign
    in tmp_path/name: the CSV of `rows` written, ingest options on the fake models."""

    def make(rows, model: str = "fake", name: str = "campaign", **option_changes) -> builders.Campaign:
        return builders.campaign(tmp_path / name, rows, model, **option_changes)

    return make


@pytest.fixture(scope="session")
def _db_templates(tmp_path_factory) -> Path:
    """Where make_clustered_db keeps what it builds: one folder for the run, which the xdist
    workers share (each worker's basetemp is a folder of the run's), else this session's own."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent / "db-templates"
        shared.mkdir(exist_ok=True)
        return shared
    return tmp_path_factory.mktemp("templates")


@pytest.fixture
def make_clustered_db(tmp_path, _db_templates):
    """make_clustered_db(videos=builders.FOUR, name="c.duckdb", options=None) -> the path of a
    closed, clustered database of synthetic faces in tmp_path (built once per run and copied)."""

    def make(videos=builders.FOUR, name: str = "c.duckdb", options=None) -> Path:
        return builders.clustered_db(tmp_path / name, videos, options, templates=_db_templates)

    return make


@pytest.fixture
def fake_models(monkeypatch):
    """The CLI's ingest (and run) on the fake face models (its --model offers only real ones)."""
    from influx.cli import ingest as cli_ingest

    real = cli_ingest.ingest_opts

    def opts(db_path, csv_path, kw):
        o = real(db_path, csv_path, {**kw, "model": "hog"})
        return replace(o, faces=replace(o.faces, model="fake"))

    monkeypatch.setattr(cli_ingest, "ingest_opts", opts)


@contextlib.contextmanager
def held_by_another_process(path):
    """A Python process holding a DuckDB connection to `path` (its lock) while the block runs."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('held', flush=True); time.sleep(60)", str(path)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held", "the holding process did not open the file"
        yield
    finally:
        holder.kill()
        holder.wait()


_open_connections = []


def ro(path):
    """A read-only connection, closed after the test (DuckDB refuses a writer in the same
    process while a read-only connection to the file is still open), on a database that passes
    every data test in sql/checks/."""
    from influx import store

    con = store.connect(path, read_only=True)
    _open_connections.append(con)
    failed = {name: rows[:5] for name, rows in store.data_checks(con).items() if rows}
    assert not failed, f"sql/checks failed on {path}: {failed}"
    return con


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    while _open_connections:
        _open_connections.pop().close()


def _refusing_real_models(item):
    """Around each phase of a test not marked slow (tests/guard.py)."""
    if item.get_closest_marker("slow"):
        return (yield)
    from tests import guard

    with guard.refusing() as refused:
        result = yield
    if refused:
        pytest.fail("\n".join(refused), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _refusing_real_models(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _refusing_real_models(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _refusing_real_models(item))
