import warnings
from pathlib import Path

import pytest

from fixtures.build import build
from tests.server import Server

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def videos() -> dict[str, Path]:
    return build()


@pytest.fixture(scope="session")
def server(videos):
    with Server(videos) as s:
        yield s


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared/fixtures is absent ({SHARED}): extended test skipped")
    return SHARED


def write_csv(path: Path, rows: list[tuple], header=("Performance", "Video_URL")) -> Path:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


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
