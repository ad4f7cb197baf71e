import time

import pytest

from influx.ingest.fetch import fetch
from influx.ingest.limits import FetchError, FetchOptions


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


def test_a_video_served_as_a_web_page_is_stored_as_the_video(server, fopts, monkeypatch):
    """Recognised by its first bytes, not taken for a page (pages over MAX_PAGE are refused)."""
    monkeypatch.setattr("influx.ingest.fetch.MAX_PAGE", 1000)
    fopts.max_bytes = 10_000_000
    got = fetch(server.url + "/mislabelled/p0_0", 3, fopts)
    assert got.path.read_bytes() == server.files["p0_0"].read_bytes()


def test_download_named_by_row_not_url(server, fopts):
    got = fetch(server.url + "/blob/p0_0?name=../../etc/passwd", 5, fopts)
    assert got.path == fopts.videos_dir / "5.mp4" and got.path.with_name("5.mp4.source").is_file()
    assert len(got.sha256) == 64 and got.bytes == got.path.stat().st_size


def test_a_download_is_reused_only_for_its_own_url(server, fopts):
    fopts.max_bytes = 10_000_000
    a, b = server.url + "/blob/p0_0", server.url + "/blob/p1_0"
    first = fetch(a, 7, fopts)
    hits = server.hits["/blob/p0_0"]
    assert fetch(a, 7, fopts).sha256 == first.sha256 and server.hits["/blob/p0_0"] == hits  # reused
    other = fetch(b, 7, fopts)  # another database, or a new CSV, with another URL at row 7
    assert other.sha256 != first.sha256 and other.path.read_bytes() == server.files["p1_0"].read_bytes()
    # a file without its record (an older layout, or copied in by hand) is never trusted
    other.path.with_name(other.path.name + ".source").unlink()
    hits = server.hits["/blob/p1_0"]
    fetch(b, 7, fopts)
    assert server.hits["/blob/p1_0"] == hits + 1
    # nor one whose bytes changed since
    got = fetch(b, 7, fopts)
    got.path.write_bytes(server.files["p0_0"].read_bytes()[: got.bytes])
    assert fetch(b, 7, fopts).path.read_bytes() == server.files["p1_0"].read_bytes()


def test_a_url_with_a_line_break_fails_as_input(fopts):
    with pytest.raises(FetchError) as e:
        fetch("http://127.0.0.1:9/a\nb", 1, fopts)
    assert e.value.reason == "input"


def test_local_missing_file(fopts):
    with pytest.raises(FetchError, match="not found"):
        fetch("/no/such/video.mp4", 1, fopts)


def test_a_redirect_to_a_local_file_is_refused_and_named(server, fopts):
    with pytest.raises(FetchError) as e:
        fetch(server.url + "/tofile", 1, fopts)
    assert e.value.reason == "redirect_refused"


def test_an_endless_web_page_is_refused_before_yt_dlp_reads_it_into_memory(server, fopts):
    """yt-dlp reads a page whole: an endless one grew the process by 6 GB in 38 s."""
    with pytest.raises(FetchError) as e:
        fetch(server.url + "/endlesshtml", 1, fopts)
    assert e.value.reason == "too_large" and "web page of over 5 MB" in str(e.value)


@pytest.mark.parametrize("route", ["slowdrip", "slowheaders", "embedslow"])
def test_the_deadline_holds_over_retries_and_for_headers_sent_a_byte_at_a_time(server, fopts, route):
    """The deadline is for the whole download: retries share it, it also stops a server that
    sends its headers a byte at a time (each byte within the socket timeout), and a video that
    yt-dlp finds on a web page."""
    fopts.timeout, fopts.deadline, fopts.retries, fopts.max_bytes = 1.0, 1.5, 3, 10**8
    import yt_dlp  # noqa: F401  imported before the clock starts: its first import takes seconds here

    started = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetch(server.url + "/" + route, 1, fopts)
    assert e.value.reason == "timeout" and "--download-deadline" in str(e.value)
    # each route runs for a minute and three attempts are allowed: stopped within 5 s of the 1.5 s
    # deadline is the deadline holding (on a loaded 2-core machine)
    assert time.monotonic() - started < fopts.deadline + 5
