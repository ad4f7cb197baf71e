"""`influx review`: the page's safety (token, Host, Origin, escaping) with Flask's test client and
the command itself, and the review loop in a real browser (Debian's Chromium, driven by Selenium):
rename, merge, move, undo, with the database's corrections and numbers checked after each step."""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from influx import store
from influx.cli import cli
from influx.identity import corrections
from influx.identity.cluster import cluster
from influx.review import pages as review
from influx.review.app import create_app
from tests.builders import FOUR, synthetic_db
from tests.conftest import held_by_another_process, ro

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
XSS_NAME = "<img src=x onerror=\"document.title='pwned'\"></script><script>document.title='pwned'</script>"


@pytest.fixture
def path(make_clustered_db) -> Path:
    return make_clustered_db(FOUR, "r.duckdb")


def people_of(path) -> dict[int, int]:
    con = ro(path)
    got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers ORDER BY 1").fetchall())
    con.close()
    return got


def client(path, token="t0ken"):
    return create_app(path, PORT, token).test_client()


def logged_in(path):
    c = client(path)
    assert c.get("/?token=t0ken", base_url=BASE).status_code == 302  # sets the cookie, drops the token
    return c


# ---- safety, without a browser ---------------------------------------------------------------


def test_without_the_token_every_request_is_refused(path):
    c = client(path)
    for url in ("/", "/?tab=people", "/face/1.jpg", "/static/review.js", "/?token=wrong"):
        assert c.get(url, base_url=BASE).status_code == 403, url
    reply = c.get("/?token=t0ken&tab=people", base_url=BASE)
    assert reply.status_code == 302 and "token" not in reply.headers["Location"]
    assert c.get("/?tab=people", base_url=BASE).status_code == 200  # the cookie holds it now


def test_another_host_is_refused_even_with_the_token(path):
    c = logged_in(path)
    for host in ("evil.example:8765", "127.0.0.1:9999", "localhost.evil.example:8765"):
        assert c.get("/?token=t0ken", base_url=f"http://{host}").status_code == 403, host
        assert c.get("/", base_url=f"http://{host}").status_code == 403, host
    assert c.get("/", base_url=f"http://localhost:{PORT}").status_code in (200, 403)  # another cookie jar host


def test_a_change_needs_this_pages_origin_and_token(path):
    c = logged_in(path)
    before = people_of(path)
    form = {"token": "t0ken", "from": str(before[0]), "into": str(before[1])}
    assert c.post("/act/merge", data=form, base_url=BASE).status_code == 403  # no Origin
    assert c.post("/act/merge", data=form, base_url=BASE, headers={"Origin": "http://evil.example"}).status_code == 403
    no_token = {k: v for k, v in form.items() if k != "token"}
    assert c.post("/act/merge", data=no_token, base_url=BASE, headers={"Origin": BASE}).status_code == 403
    assert people_of(path) == before  # nothing changed
    reply = c.post("/act/merge", data=form, base_url=BASE, headers={"Origin": BASE})
    assert reply.status_code == 303 and people_of(path)[0] == before[1]


def test_headers_forbid_inline_script_and_framing(path):
    reply = logged_in(path).get("/", base_url=BASE)
    csp = reply.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in reply.get_data(as_text=True)  # only <script src=...>


def test_only_http_and_https_urls_are_links():
    assert review.link("https://example.com/v.mp4") == "https://example.com/v.mp4"
    assert review.link(" HTTP://example.com/v") == "HTTP://example.com/v"
    for url in ("javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                "file:///etc/passwd", "data:text/html,<script>", "clips/ad-00", "//evil.example/x", "https:no-host",
                None, 3):  # fmt: skip
        assert review.link(url) is None, url


def test_a_crafted_name_and_url_are_text_not_markup(path):
    con = store.connect(path)
    con.execute("UPDATE person_ids SET name = ?", [XSS_NAME])
    con.execute("UPDATE influencers SET name = ?", [XSS_NAME])
    con.execute("UPDATE videos SET video_url = 'javascript:alert(1)'")
    con.close()
    c = logged_in(path)
    for tab in ("check", "merges", "people"):
        html = c.get(f"/?tab={tab}", base_url=BASE).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>document" not in html, tab
        assert 'href="javascript' not in html.lower(), tab
    assert "&lt;img src=x onerror" in html and "javascript:alert(1)" in html


def test_a_busy_file_is_said_so(path):
    """Another process writing (holding DuckDB's lock): the page says the file is busy, and a
    change is not lost silently."""
    with held_by_another_process(path):
        c = logged_in_despite_lock(path)
        reply = c.get("/", base_url=BASE)
        assert reply.status_code == 503 and "the database is busy" in reply.get_data(as_text=True)
        posted = c.post("/act/rename", data={"token": "t0ken", "id": "1", "name": "X", "back": "/"},
                        base_url=BASE, headers={"Origin": BASE}, follow_redirects=True)  # fmt: skip
        assert "not saved: the database is busy" in posted.get_data(as_text=True)


def logged_in_despite_lock(path):
    c = client(path)
    c.get("/?token=t0ken", base_url=BASE)  # the redirect does not open the file
    return c


def test_a_correction_the_library_refuses_is_one_line_on_the_page(path):
    c = logged_in(path)
    reply = c.post("/act/merge", data={"token": "t0ken", "from": "1", "into": "999", "back": "/?tab=people"},
                   base_url=BASE, headers={"Origin": BASE}, follow_redirects=True)  # fmt: skip
    assert "no person with id 999" in reply.get_data(as_text=True)
    reply = c.post("/act/move", data={"token": "t0ken", "row": "x1", "to": "new", "back": "//evil.example"},
                   base_url=BASE, headers={"Origin": BASE})  # fmt: skip
    assert reply.headers["Location"] == "/"  # never redirected off the site


def test_not_influencer_and_unmerge_from_the_page(path):
    c = logged_in(path)
    before = people_of(path)

    def post(action, **form):
        reply = c.post(f"/act/{action}", data={"token": "t0ken", **form}, base_url=BASE, headers={"Origin": BASE},
                       follow_redirects=True)  # fmt: skip
        return reply.get_data(as_text=True)

    assert f"merged #{before[0]} into #{before[1]}" in post("merge", **{"from": before[0], "into": before[1]})
    assert f"separate again: #{before[1]} and #{before[0]}" in post("unmerge", id=before[1])
    assert people_of(path) == before
    assert f"#{before[2]} is not an influencer" in post("not_influencer", id=before[2])
    con = ro(path)
    assert con.execute("SELECT kind, influencer_id FROM corrections").fetchall() == [("not_influencer", before[2])]
    assert con.execute("SELECT count(*) FROM influencer_stats WHERE influencer_id = ?", [before[2]]).fetchone()[0] == 0
    con.close()
    assert "unknown action" in post("drop_tables")
    assert "must be a number" in post("undo", correction="1; DROP TABLE faces")


def test_doubtful_videos_come_first_with_their_reason(tmp_path, monkeypatch):
    p = tmp_path / "d.duckdb"
    con = synthetic_db(p, FOUR + [[(f, 4, 100) for f in range(4)]])  # row 8: person 4's only video
    cluster(con)
    con.execute("UPDATE video_people SET margin = 0.01 WHERE row_index = 3 AND is_dominant")  # uncertain
    con.close()
    monkeypatch.setattr(review, "LOOKALIKE", 2.0)  # everyone looks like someone
    con = ro(p)
    got = review.videos_by_doubt(con)
    rows = [(v["row_index"], v["reason"]) for v in got["videos"]]
    assert rows[0][0] == 3 and "margin 0.01" in rows[0][1]
    assert (8, "the person's only video, and someone else looks alike") in rows
    assert got["doubtful"] == 2 and all(r is None for _, r in rows[2:]) and got["total"] == 9
    monkeypatch.setattr(review, "FAR", 0.0)  # every video with others is far
    assert review.videos_by_doubt(con)["doubtful"] == 9


def _start(args):
    proc = subprocess.Popen([sys.executable, "-m", "influx", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    line = proc.stdout.readline()
    return proc, line


def test_a_video_shows_the_same_face_whatever_order_the_file_stores_faces_in(path):
    """Faces of one size in one video (sizes are whole pixels) tied, and the page showed whichever
    the scan met first: the first face stored, so a file rewritten in another order showed
    another face. Ties go to the lowest face_id."""
    con = store.connect(path)
    con.execute("UPDATE faces SET face_size = 80")
    con.execute("CREATE TEMP TABLE kept AS SELECT * FROM faces")
    con.execute("DELETE FROM faces")
    con.execute("INSERT INTO faces SELECT * FROM kept ORDER BY face_id DESC")  # stored last face first
    want = {(r, i): f for r, i, f in con.execute("SELECT row_index, influencer_id, min(face_id) FROM faces"
                                                   " WHERE influencer_id IS NOT NULL GROUP BY ALL").fetchall()}  # fmt: skip
    con.close()
    con = ro(path)
    doubt = review.videos_by_doubt(con)["videos"]
    people = review.people_page(con)["people"]
    con.close()
    shown = doubt + [v for p in people for v in p["videos"]]
    assert doubt and len(shown) > len(doubt)
    assert [v["face_id"] for v in shown] == [want[v["row_index"], v["influencer_id"]] for v in shown]


def test_the_command_prints_a_tokened_url_and_refuses_requests_without_it(path):
    proc, line = _start(["review", "--db", str(path), "--no-browser", "--port", "0"])
    try:
        url = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert url, line
        port = url.group(1)

        def status(u, host=None):
            req = urllib.request.Request(u, headers={"Host": host} if host else {})
            try:
                return urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as e:
                return e.code

        assert status(f"http://127.0.0.1:{port}/") == 403
        assert status(url.group(0), host=f"attacker.example:{port}") == 403
        assert status(url.group(0)) == 403  # the redirect drops the token, and urllib keeps no cookie
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        assert opener.open(url.group(0), timeout=10).status == 200
        assert opener.open(f"http://127.0.0.1:{port}/?tab=people", timeout=10).status == 200
        # the file is not held between requests: a command that writes works while the page runs
        # (here, in this process: another one than the page's)
        renamed = CliRunner().invoke(cli, ["rename", "1", "Ann", "--db", str(path)])
        assert renamed.exit_code == 0, renamed.output
        assert "Ann" in opener.open(f"http://127.0.0.1:{port}/?tab=people", timeout=10).read().decode()
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_command_refuses_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "x.duckdb"
    bad.write_text("Performance,Video_URL\n1,http://x\n")
    got = CliRunner().invoke(cli, ["review", "--db", str(bad), "--no-browser"])
    assert got.exit_code == 2 and "not a DuckDB database" in got.stderr and "Traceback" not in got.stderr
    assert isinstance(got.exception, SystemExit), repr(got.exception)  # exited with its code: no exception raised


# ---- in a real browser -----------------------------------------------------------------------

CHROMIUM, DRIVER = (
    shutil.which("chromium") or "/usr/bin/chromium",
    shutil.which("chromedriver") or "/usr/bin/chromedriver",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        message = f"no Chromium ({CHROMIUM}) or chromedriver ({DRIVER}): apt-get install chromium chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run the browser tests)")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)  # the driver path given: nothing downloaded
    yield driver
    driver.quit()


@pytest.fixture
def served(path):
    proc, line = _start(["review", "--db", str(path), "--no-browser", "--port", "0"])
    url = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line)
    assert url, line + proc.stderr.read()
    yield url.group(0)
    proc.terminate()
    proc.wait(10)


def numbers(path) -> dict:
    con = ro(path)
    stats = {i: (n, avg) for i, n, avg in con.execute(
        "SELECT influencer_id, n_videos, avg_performance FROM influencer_stats").fetchall()}  # fmt: skip
    fixes = con.execute("SELECT kind, influencer_id, target_id, row_index FROM corrections ORDER BY 1").fetchall()
    names = dict(con.execute("SELECT influencer_id, name FROM person_ids WHERE name IS NOT NULL").fetchall())
    con.close()
    return {"stats": stats, "corrections": fixes, "names": names}


def click_form(driver, action: str, inside=None, **fields):
    """The form posting to /act/<action> whose inputs have these values (one query to the browser)."""
    from selenium.webdriver.common.by import By

    wanted = "".join(f":has(input[name='{k}'][value='{v}'])" for k, v in fields.items())
    found = (inside or driver).find_elements(By.CSS_SELECTOR, f"form[action='/act/{action}']{wanted}")
    if not found:
        raise AssertionError(f"no {action} form with {fields}")
    return found[0]


def shown_page(driver):
    """The page now shown (its <html> element), to hand to wait_flash before acting on it."""
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "html")


def wait_flash(driver, acted_on) -> str:
    """The flash message of the page that replaced `acted_on` (shown_page before the action): a
    flash still shown on that page (the previous action's) is never taken for this action's."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    # mid-navigation, Chromium may answer "Node with given id does not belong to the document"
    # instead of "stale element": ask again
    WebDriverWait(driver, 20, poll_frequency=0.05, ignored_exceptions=(WebDriverException,)).until(
        staleness_of(acted_on)
    )
    wait = WebDriverWait(driver, 20, poll_frequency=0.05)
    return wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".flash"))[0].text


def test_rename_merge_move_undo_in_the_browser(browser, served, path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    before = people_of(path)
    a, b = before[0], before[1]  # two people of two videos each (rows 0, 4 and 1, 5)
    start = numbers(path)
    assert start["corrections"] == [] and start["stats"][a][0] == start["stats"][b][0] == 2
    d.get(served)
    d.get(served.split("?")[0] + "?tab=people")
    assert "influx review" in d.title and len(d.find_elements(By.CSS_SELECTOR, "img.face")) >= 8

    # rename
    form = click_form(d, "rename", id=a)
    form.find_element(By.NAME, "name").clear()
    form.find_element(By.NAME, "name").send_keys("Maria Lopez")
    page = shown_page(d)
    form.find_element(By.TAG_NAME, "button").click()
    assert "is now 'Maria Lopez'" in wait_flash(d, page)
    assert numbers(path)["names"] == {a: "Maria Lopez"} and "Maria Lopez" in d.page_source

    # merge a into b: b's numbers are recomputed over its four videos
    form = click_form(d, "merge", **{"from": a})
    form.find_element(By.NAME, "into").send_keys(str(b))
    page = shown_page(d)  # it still shows the rename's message
    form.find_element(By.TAG_NAME, "button").click()
    assert f"merged #{a} into #{b}" in wait_flash(d, page)
    merged = numbers(path)
    assert merged["corrections"] == [("merge", a, b, None)]
    assert merged["stats"][b][0] == 4 and a not in merged["stats"]
    assert f"{merged['stats'][b][1]:.3f}" in d.page_source  # the page shows the new average

    # move row 2 (person c) to b, with the keyboard on the "To check" tab: m, type, Enter
    d.get(served.split("?")[0] + "?tab=check")
    cards = d.find_elements(By.CSS_SELECTOR, ".card")
    row2 = next(i for i, c in enumerate(cards) if "row 2 " in c.text)
    for _ in range(row2):
        d.find_element(By.TAG_NAME, "body").send_keys("j")
    d.find_element(By.TAG_NAME, "body").send_keys("m")
    active = d.switch_to.active_element
    assert active.get_attribute("name") == "to"
    page = shown_page(d)
    active.send_keys(str(b), Keys.ENTER)
    assert f"row 2: #{before[2]} → #{b}" in wait_flash(d, page)
    moved = numbers(path)
    assert ("move", before[2], b, 2) in moved["corrections"] and moved["stats"][b][0] == 5
    assert people_of(path)[2] == b

    # undo the move on the corrections tab, then the merge with the `u` key (undo last)
    d.get(served.split("?")[0] + "?tab=corrections")
    move_id = next(
        r.text.split()[0] for r in d.find_elements(By.CSS_SELECTOR, "tr[data-kind=correction]") if "move" in r.text
    )
    page = shown_page(d)
    click_form(d, "undo", correction=move_id).find_element(By.TAG_NAME, "button").click()
    assert "undone" in wait_flash(d, page)
    assert numbers(path)["corrections"] == [("merge", a, b, None)] and people_of(path)[2] == before[2]
    page = shown_page(d)  # it still says "undone", of the move
    d.find_element(By.TAG_NAME, "body").send_keys("u")
    assert "undone" in wait_flash(d, page)
    end = numbers(path)
    assert end["corrections"] == [] and end["stats"] == start["stats"] and people_of(path) == before
    # what was undone stays listed, without an undo of its own
    d.get(served.split("?")[0] + "?tab=corrections")
    undone = d.find_elements(By.CSS_SELECTOR, "tr[data-kind=undone]")
    assert sorted(r.text.split()[1] for r in undone) == ["merge", "move"]
    assert not d.find_elements(By.CSS_SELECTOR, "tr[data-kind=undone] form")


def test_a_crafted_file_runs_no_script_and_makes_no_link_in_the_browser(browser, path, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    con = store.connect(path)
    con.execute("UPDATE person_ids SET name = ?", [XSS_NAME + "<img src=x onerror=alert(1)>"])
    con.execute("UPDATE influencers SET name = (SELECT name FROM person_ids LIMIT 1)")
    con.execute("UPDATE videos SET video_url = CASE WHEN row_index % 2 = 0 THEN 'javascript:alert(1)'"
                " ELSE 'file:///etc/passwd' END")  # fmt: skip
    con.close()
    proc, line = _start(["review", "--db", str(path), "--no-browser", "--port", "0"])
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line).group(0)
        d = browser
        d.get(url)
        for tab in ("check", "merges", "people"):
            d.get(url.split("?")[0] + f"?tab={tab}")
            time.sleep(0.3)
            assert d.title.startswith("influx review"), tab  # no script set it to 'pwned'
            with pytest.raises(NoAlertPresentException):
                d.switch_to.alert.text  # noqa: B018
            hrefs = d.execute_script("return Array.from(document.querySelectorAll('a'), a => a.href || '')")
            assert not [h for h in hrefs if not h.startswith("http://127.0.0.1")], (tab, hrefs)
        body = d.find_element(By.TAG_NAME, "body").text
        assert "<img src=x onerror" in body and "file:///etc/passwd" in body  # shown as text
    finally:
        proc.terminate()
        proc.wait(10)


def test_accept_with_the_keyboard_keeps_a_video_and_merges_a_suggested_pair(browser, path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    before = people_of(path)
    con = store.connect(path)
    _, split, _ = corrections.move(con, 4, None)  # row 4 (person a's second video) becomes a new person: a look-alike
    con.close()
    proc, line = _start(["review", "--db", str(path), "--no-browser", "--port", "0"])
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line).group(0)
        d = browser
        d.get(url)  # the To check page: `a` keeps the first video, stores nothing, and goes to the next
        d.find_element(By.TAG_NAME, "body").send_keys("a")
        cards = d.find_elements(By.CSS_SELECTOR, ".card")
        assert "accepted" in cards[0].get_attribute("class") and "current" in cards[1].get_attribute("class")
        assert len(numbers(path)["corrections"]) == 1
        d.get(url.split("?")[0] + "?tab=merges")
        pair = d.find_element(By.CSS_SELECTOR, ".card.pair")
        assert f"#{before[0]}" in pair.text and f"#{split}" in pair.text
        page = shown_page(d)
        d.find_element(By.TAG_NAME, "body").send_keys("a")
        assert f"merged #{split} into #{before[0]}" in wait_flash(d, page)
        WebDriverWait(d, 10, poll_frequency=0.05).until(lambda d: "No two people look alike" in d.page_source)
        assert ("merge", split, before[0], None) in numbers(path)["corrections"] and people_of(path) == before
    finally:
        proc.terminate()
        proc.wait(10)
