"""What an analyst sees (issue 26) and what a crafted file must not do to the report (issue 24):
no dropped column, no cut number, one count of videos, plain corrections, display-safe names,
a report that writes only inside its folder and stays small."""

import json

import duckdb
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from influx.cli import cli
from influx.output import display, display_name
from tests.builders import synthetic_db
from tests.conftest import ro


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture
def good(make_clustered_db):
    """Six synthetic videos of four people, clustered."""
    return make_clustered_db([[(f, p, 100) for f in range(4)] for p in (0, 1, 2, 3, 0, 1)], "good.duckdb")


def craft(path, *statements):
    con = duckdb.connect(str(path))
    for s in statements:
        con.execute(s)
    con.close()


def test_json_and_every_format_keep_columns_of_the_same_name(good):
    out = run("sql", "--db", good, "--format", "json", "SELECT 1 AS a, 2 AS a")
    assert json.loads(out.output) == [{"a": 1, "a_2": 2}]
    for fmt in ("csv", "markdown", "table"):
        out = run("sql", "--db", good, "--format", fmt, "SELECT 1 AS a, 2 AS a")
        assert "a_2" in out.output and "2" in out.output
    pairs = run("people", "--db", good, "--suggest-merges", "--max-distance", "2", "--format", "json")
    records = json.loads(pairs.stdout)
    assert records and set(records[0]) == {"influencer_id_a", "name_a", "influencer_id_b", "name_b", "distance"}


def test_people_json_keys_are_the_database_columns(good):
    records = json.loads(run("people", "--db", good, "--format", "json").output)
    assert list(records[0]) == ["influencer_id", "name", "n_videos", "n_duplicates", "n_appearances", "n_faces",
                                "first_row_index", "not_influencer"]  # fmt: skip


def test_numbers_are_never_cut_at_80_columns(good):
    con = ro(good)
    stats = con.execute("SELECT * FROM influencer_stats").fetchall()
    con.close()
    for query in ("SELECT * FROM influencer_stats", "SELECT influencer_id, avg_performance, reliability, "
                  "first_video_url FROM influencer_stats"):  # fmt: skip
        out = run("sql", "--db", good, query, env={"COLUMNS": "80"}).output
        assert max(len(line) for line in out.splitlines()) <= 80
        for row in stats:
            assert f"{row[6]:.6g}" in out  # the average, whole
        assert "…" not in out


def test_empty_results_say_so(good):
    out = run("sql", "--db", good, "SELECT 1 AS a WHERE false")
    assert out.output.strip() == "no rows"


def test_one_count_of_videos_everywhere(good):
    craft(
        good,
        "DELETE FROM faces WHERE row_index = 4",
        "DELETE FROM frame_hashes WHERE row_index = 4",
        "UPDATE videos SET status = 'duplicate', duplicate_of = 0 WHERE row_index = 4",
    )
    assert run("cluster", "--db", good).exit_code == 0
    con = ro(good)
    stats = dict(con.execute("SELECT influencer_id, n_videos FROM influencer_stats").fetchall())
    table = dict(con.execute("SELECT influencer_id, n_videos FROM influencers").fetchall())
    assert sum(n for (n,) in con.execute("SELECT n_duplicates FROM influencer_stats").fetchall()) == 1
    con.close()
    assert {k: table[k] for k in stats} == stats
    people = {r["influencer_id"]: r["n_videos"] for r in json.loads(run("people", "--db", good, "--format",
                                                                         "json").output)}  # fmt: skip
    assert {k: people[k] for k in stats} == stats


def test_influx_db_spares_repeating_db(good):
    assert json.loads(run("people", "--format", "json", env={"INFLUX_DB": str(good)}).output)


def test_max_distance_needs_suggest_merges(good):
    out = run("people", "--db", good, "--max-distance", "0.5")
    assert out.exit_code == 2 and "--suggest-merges" in out.output and "Traceback" not in out.output


def test_rename_refuses_an_empty_name_and_every_correction_says_how_to_undo(good):
    for name in ("", "   "):
        out = run("rename", "1", name, "--db", good)
        assert out.exit_code == 2 and "--clear" in out.output
    out = run("rename", "1", "Ana", "--db", good)
    assert out.exit_code == 0 and "undo: influx rename 1 --clear" in out.output
    out = run("rename", "1", "--clear", "--db", good)
    assert out.exit_code == 0 and "undo: influx rename 1 Ana" in out.output
    assert "undo: influx undo 1" in run("merge", "2", "1", "--db", good).output
    assert "undo: influx undo 2" in run("not-influencer", "3", "--db", good).output


def test_unmerge_keeps_the_history_it_undoes(good):
    run("merge", "2", "1", "--db", good)
    assert run("unmerge", "1", "--db", good).exit_code == 0
    rows = json.loads(run("corrections", "--db", good, "--format", "json").output)
    assert [(r["kind"], r["influencer_id"], r["target_id"]) for r in rows] == [("merge", 2, 1)]
    assert rows[0]["undone_at"] is not None
    again = run("undo", "1", "--db", good)
    assert again.exit_code == 2 and "already undone" in again.output


HOSTILE = "Ann\u202eevil\u2066x\u2028y\x00z"


def test_one_display_safe_form_for_names_everywhere(good, tmp_path):
    craft(
        good,
        "UPDATE person_ids SET name = 'Ann' || chr(8238) || 'evil' || chr(8294) || 'x' || chr(8232) || 'y'"
        " || chr(0) || 'z' WHERE influencer_id = 1",
        "UPDATE influencers SET name = (SELECT name FROM person_ids"
        " WHERE influencer_id = 1) WHERE influencer_id = 1",  # fmt: skip
        "UPDATE person_ids SET name = '   ' WHERE influencer_id = 2",
        "UPDATE influencers SET name = '   ' WHERE influencer_id = 2",
    )
    shown = display(HOSTILE)
    assert shown == "Ann\\u202eevil\\u2066x\\u2028y\\x00z" and display_name("  ") == "[blank name]"
    people = run("people", "--db", good).output + run("people", "--db", good, "--format", "csv").output
    assert "\u202e" not in people and "\\u202e" in people
    assert run("report", "--db", good, "--out-dir", tmp_path / "r").exit_code == 0
    for name in ("people.html", "influencer_details.csv"):
        text = (tmp_path / "r" / name).read_text()
        assert not any(c in text for c in "\u202e\u2066\u2028\x00"), name
    text = (tmp_path / "r" / "people.html").read_text()
    assert "Ann\\u202eevil" in text and "[blank name]" in text


def test_the_report_writes_nothing_through_symlinks(good, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "faces").mkdir(parents=True)
    (elsewhere / "page.html").write_text("mine")
    (elsewhere / "faces" / "1.jpg").write_text("mine too")
    (elsewhere / "table.pdf").write_text("mine three")
    out = tmp_path / "archive"
    out.mkdir()
    (out / "people.html").symlink_to(elsewhere / "page.html")
    (out / "influencer_table.pdf").symlink_to(elsewhere / "table.pdf")
    (out / "influencer_faces").symlink_to(elsewhere / "faces")
    assert run("report", "--db", good, "--out-dir", out).exit_code == 0
    assert (elsewhere / "page.html").read_text() == "mine"
    assert (elsewhere / "faces" / "1.jpg").read_text() == "mine too"
    assert (elsewhere / "table.pdf").read_text() == "mine three"
    assert sorted(p.name for p in elsewhere.rglob("*")) == ["1.jpg", "faces", "page.html", "table.pdf"]
    assert not (out / "people.html").is_symlink() and (out / "influencer_faces" / "1.jpg").stat().st_size > 100
    assert (out / "influencer_report.xlsx").exists()


def test_huge_crops_do_not_make_a_huge_report(good, tmp_path):
    big = b"\xff\xd8\xff\xe0" + b"\x00" * 2_000_000
    con = duckdb.connect(str(good))
    con.execute("UPDATE faces SET crop = ?", [big])
    con.close()
    assert run("report", "--db", good, "--out-dir", tmp_path / "r").exit_code == 0
    total = sum(p.stat().st_size for p in (tmp_path / "r").rglob("*") if p.is_file())
    assert total < 1_000_000


def test_pdf_links_only_to_web_pages(good, tmp_path):
    craft(good, "UPDATE videos SET video_url = 'file:///etc/passwd'", "UPDATE videos SET video_url ="
          " 'https://cdn.example/v' WHERE row_index = 1")  # fmt: skip
    assert run("report", "--db", good, "--out-dir", tmp_path / "r").exit_code == 0
    links = [a.get_object()["/A"].get("/URI") for page in PdfReader(tmp_path / "r" / "influencer_table.pdf").pages
             for a in page.get("/Annots", []) if "/A" in a.get_object()]  # fmt: skip
    assert links and all(link.startswith("https://") for link in links)
    html = (tmp_path / "r" / "people.html").read_text()
    assert 'href="https://cdn.example/v"' in html and 'href="file:' not in html


def test_people_html_says_when_nobody_was_found(tmp_path):
    path = tmp_path / "empty.duckdb"
    con = synthetic_db(path, [[]])
    con.close()
    assert run("report", "--db", path, "--out-dir", tmp_path / "r").exit_code == 0
    assert "Nobody was found" in (tmp_path / "r" / "people.html").read_text()


def test_sql_streams_rows(good):
    out = run("sql", "--db", good, "--format", "csv", "SELECT range FROM range(200000)")
    assert out.exit_code == 0 and out.output.count("\n") == 200001
    table = run("sql", "--db", good, "SELECT range FROM range(20000)")
    assert "only the first 10,000 rows" in table.output


def test_the_methods_page_follows_the_sql_threshold_and_distrusts_crafted_settings(good):
    from influx import store
    from influx.report.gather import gather
    from influx.report.methods import methods

    con = store.connect(good)
    con.execute("INSERT OR REPLACE INTO settings VALUES ('fps', 'nan'), ('max_frames', '1e308')")
    con.execute("CREATE OR REPLACE TEMP VIEW constants AS SELECT 4 AS retest_min_pairs")
    data = gather(con)
    text = " ".join(t for _, t in methods(data.settings, data.constants))
    assert "fewer than 4 pairs" in text and "at most unknown a second and unknown a video" in text
    assert "nan" not in text and "1e+308" not in text
    assert data.rel["test_retest_reason"] is None or "4 pairs" in data.rel["test_retest_reason"]
    con.execute("CREATE OR REPLACE TEMP VIEW constants AS SELECT 1000 AS retest_min_pairs")
    data = gather(con)
    assert "fewer than 1000 pairs" in " ".join(t for _, t in methods(data.settings, data.constants))
    assert "fewer than 1000 pairs" in data.rel["test_retest_reason"]
    con.close()


def test_the_pdf_explains_its_numbers_and_names_the_campaign(good, tmp_path):
    craft(good, "INSERT OR REPLACE INTO settings VALUES ('campaign', 'Spring sale')")
    assert run("report", "--db", good, "--out-dir", tmp_path / "r").exit_code == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "r" / "influencer_table.pdf").pages]
    assert "Campaign: Spring sale" in pages[0] and "good.duckdb" not in pages[0]
    table = next(p for p in pages if "ranked by reliability-adjusted" in p)
    assert "95% interval" in table and "Reliability (0 to 1)" in table and "same number of videos" in table


def test_names_in_any_script_appear_whole_beside_the_chart(good, tmp_path):
    for pid, name in ((1, "王小明"), (2, "José Álvarez-Núñez"), (3, "محمد علي")):
        assert run("rename", pid, name, "--db", good).exit_code == 0
    assert run("report", "--db", good, "--out-dir", tmp_path / "r").exit_code == 0
    first = PdfReader(tmp_path / "r" / "influencer_table.pdf").pages[0].extract_text()
    flat = first.replace("\x00", "").replace(" ", "")
    assert "José Álvarez-Núñez" in first and "王小明" in flat and "محمد علي" in first
    html = (tmp_path / "r" / "people.html").read_text()
    assert "王小明" in html and "@font-face{font-family:influx-cjk" in html and "font:14px/1.4 influx-cjk" in html
