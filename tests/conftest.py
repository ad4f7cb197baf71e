import shutil
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


@pytest.fixture
def tmp_copy(tmp_path):
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copy(src, dst)
        return dst

    return copy


_open_connections = []


def ro(path):
    """A read-only connection, closed after the test (DuckDB refuses a writer in the same
    process while a read-only connection to the file is still open)."""
    from influx import db

    con = db.connect(path, read_only=True)
    _open_connections.append(con)
    return con


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    while _open_connections:
        _open_connections.pop().close()
