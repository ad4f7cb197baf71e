import time

import pytest

from influx.fetch import FetchError, FetchOptions, fetch


@pytest.fixture
def fopts(tmp_path):
    return FetchOptions(videos_dir=tmp_path / "v", timeout=0.5, retries=2, backoff=0.01, max_bytes=200_000)


@pytest.mark.parametrize(
    "route, reason, message",
    [
        ("/status/404", "http_404", "HTTP 404"),
        ("/status/500", "http_500", "after 3 attempts"),
        ("/stall", "timeout", "timed out"),
        ("/trickle", "timeout", "under 1 KB/s"),
        ("/reset", "connection", "connection"),
        ("/loop", "redirect_loop", "redirect"),
        ("/html", "yt_dlp", "yt-dlp"),
        ("/empty", "empty", "empty"),
        ("/big", "too_large", "--max-bytes"),
        ("/bignolength", "too_large", "--max-bytes"),
    ],
)
def test_hostile_server(server, fopts, route, reason, message):
    started = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetch(server.url + route, 7, fopts)
    assert e.value.reason == reason
    assert message in str(e.value)
    assert time.monotonic() - started < 10
    assert not list(fopts.videos_dir.glob("7*"))  # nothing half-written is left behind


def test_retries_are_bounded(server, fopts):
    before = server.hits["/status/503"]
    with pytest.raises(FetchError):
        fetch(server.url + "/status/503", 1, fopts)
    assert server.hits["/status/503"] - before == fopts.retries + 1


def test_404_is_not_retried(server, fopts):
    before = server.hits["/status/404"]
    with pytest.raises(FetchError):
        fetch(server.url + "/status/404", 1, fopts)
    assert server.hits["/status/404"] - before == 1


@pytest.mark.parametrize("url", ["ftp://example.com/v", "javascript:alert(1)", "data:video/mp4;base64,AA"])
def test_other_schemes_refused(fopts, url):
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch(url, 1, fopts)


def test_download_named_by_row_not_url(server, fopts):
    got = fetch(server.url + "/blob/eileen_a?name=../../etc/passwd", 5, fopts)
    assert got.path == fopts.videos_dir / "5.mp4" and got.downloaded


def test_local_missing_file(fopts):
    with pytest.raises(FetchError, match="not found"):
        fetch("/no/such/video.mp4", 1, fopts)
