"""A .duckdb file from someone else is input, not code; broken files and hostile values give one
clear line and an exit code, never a traceback, a leaked local file or a write outside --out-dir."""

import csv
import io
import json
import random
import re
import struct

import duckdb
import pytest
from click.testing import CliRunner

from influx import store
from influx.cli import cli
from influx.identity import corrections, ids
from influx.identity.cluster import cluster
from influx.output import csv_cell
from tests.conftest import held_by_another_process, ro

SECRET = "influx-secret-line"
FOUR = [[(f, p, 100) for f in range(4)] for p in (0, 1, 2, 3, 0, 1)]


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


@pytest.fixture
def good(make_clustered_db):
    """A clustered database of synthetic faces, closed."""
    return make_clustered_db(FOUR, "good.duckdb")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_clear_line(result, code=None):
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert result.exit_code != 0 if code is None else result.exit_code == code
    return lines[0]


def craft(path, *statements):
    """Change a database with plain DuckDB (external access on), as an attacker would."""
    con = duckdb.connect(str(path))
    for s in statements:
        con.execute(s)
    con.close()


def every_output(tmp_path, result) -> str:
    texts = [result.output]
    for p in tmp_path.rglob("*"):
        if p.is_file() and p.suffix in (".csv", ".html", ".pdf", ".txt") and p.name != "secret.txt":
            texts.append(p.read_bytes().decode("latin-1"))
    return "\n".join(texts)


COMMANDS = [
    ["report", "--out-dir", "{out}"],
    ["people"],
    ["people", "--suggest-merges"],
    ["sql", "SELECT * FROM influencer_stats"],
    ["cluster"],
    ["corrections"],
    ["rename", "1", "x"],
    ["merge", "1", "2"],
]


def _cmd(args, path, tmp_path):
    return [a.format(out=tmp_path / "out") for a in args] + ["--db", str(path)]


def test_a_table_replaced_by_a_view_over_a_local_file_is_refused(tmp_path, good, secret):
    craft(good, "ALTER TABLE person_ids RENAME TO person_ids_real",
          f"CREATE VIEW person_ids AS SELECT 1 AS influencer_id, content AS name, now() AS created_at"
          f" FROM read_text('{secret}')")  # fmt: skip
    for args in COMMANDS:
        result = run(*_cmd(args, good, tmp_path))
        line = one_clear_line(result, 2)
        assert "person_ids is a view" in line, line
        assert SECRET not in every_output(tmp_path, result)
    assert not (tmp_path / "out").exists()


def test_a_macro_that_shadows_a_builtin_is_refused(tmp_path, good, secret):
    craft(good, f"CREATE MACRO lower(x) AS (SELECT content FROM read_text('{secret}'))")
    for args in COMMANDS:
        result = run(*_cmd(args, good, tmp_path))
        assert "defines its own SQL functions (lower)" in one_clear_line(result, 2)
        assert SECRET not in every_output(tmp_path, result)


def test_read_only_opens_use_influx_views_not_the_files(tmp_path, good, secret):
    craft(good, f"CREATE OR REPLACE VIEW influencer_stats AS SELECT content AS name FROM read_text('{secret}')",
          f"CREATE OR REPLACE VIEW reliability AS SELECT content AS icc FROM read_text('{secret}')")  # fmt: skip
    ro = store.connect(good, read_only=True)
    assert SECRET not in str(ro.execute("SELECT * FROM influencer_stats").fetchall())
    assert SECRET not in str(ro.execute("SELECT * FROM reliability").fetchall())
    with pytest.raises(duckdb.Error):  # external access is off
        ro.execute(f"SELECT * FROM read_text('{secret}')").fetchall()
    ro.close()
    for args in (["sql", "SELECT * FROM influencer_stats"], ["people"]):
        result = run(*_cmd(args, good, tmp_path))
        assert result.exit_code == 0 and SECRET not in result.output


def _stored_plan_patched(path, pattern: bytes, at: int, old: int, new: int) -> int:
    """Change one byte of what DuckDB stores in `path` (each match of `pattern`, `at` bytes in) and
    put right the checksum of each block changed, as an attacker with a hex editor would. DuckDB
    2.0's format: 256 KiB blocks after a 12 KiB header, each led by a 64-bit checksum of the rest."""
    header, block = 12288, 262144
    data = bytearray(path.read_bytes())
    hits = [m.start() + at for m in re.finditer(pattern, data, re.S)]
    for h in hits:
        assert data[h] == old, "DuckDB's format changed: update this patch"
        data[h] = new
    for b in {(h - header) // block for h in hits}:
        start = header + b * block
        checksum = 5381
        for (word,) in struct.iter_unpack("<Q", data[start + 8 : start + block]):
            checksum ^= (word * 0xBF58476D1CE4E5B9) % 2**64
        data[start : start + 8] = struct.pack("<Q", checksum)
    path.write_bytes(data)
    return len(hits)


def test_a_view_whose_stored_plan_differs_from_its_sql_is_never_used(make_clustered_db):
    """DuckDB states a stored view from its stored plan, and the two can differ: here the scores
    view's ORDER BY row_index is patched to an invalid direction, which DuckDB states exactly as
    before but runs backwards (each influencer's scores numbered from the last). influx makes its
    views on every open, so such a file reads as the plain one: a reuse of views that merely read
    as influx's own (tried once, reverted) fails here."""
    plain, crafted = make_clustered_db(FOUR, "plain.duckdb"), make_clustered_db(FOUR, "crafted.duckdb")
    order_by_row_index = re.escape(b"\xcd\x00\x01d\x00\x01e\x00\x01f\x00") + rb".{0,30}\trow_index"
    # the ORDER BY of row_number, lead, count and avg, each unless a metadata block's end splits it
    # (the layout moves with every view's size); row_number's or lead's is enough to run it backwards
    assert _stored_plan_patched(crafted, order_by_row_index, 5, old=1, new=0) in (1, 2, 3, 4)
    query = "SELECT influencer_id, row_index, k, next_performance FROM scores ORDER BY row_index"
    stated = "SELECT sql FROM duckdb_views() WHERE view_name = 'scores'"
    raw = {path: duckdb.connect(str(path), read_only=True) for path in (plain, crafted)}
    assert raw[crafted].execute(stated).fetchone() == raw[plain].execute(stated).fetchone()  # stated as influx's
    backwards = raw[crafted].execute(query).fetchall()
    for con in raw.values():
        con.close()
    for read_only in (True, False):
        got = []
        for path in (plain, crafted):
            con = store.connect(path, read_only=read_only)
            got.append(con.execute(query).fetchall())
            con.close()
        assert got[0] == got[1] != backwards  # the crafted plan is real, and not used


STATS = "SELECT icc_ci_low, icc_ci_high, interpretation FROM reliability"
AVERAGES = "SELECT influencer_id, avg_ci_low, avg_ci_high FROM influencer_stats ORDER BY influencer_id"


def test_stored_quantiles_are_computed_again_not_trusted(tmp_path, good):
    """The F and t quantiles in a file are a cache: a file whose quantiles were edited gives the
    same intervals and rating words as an untouched one, read-only or writable."""

    def numbers(read_only):
        con = store.connect(good, read_only=read_only)
        if not read_only:
            store.refresh_quantiles(con)
        got = con.execute(STATS).fetchall(), con.execute(AVERAGES).fetchall()
        con.close()
        return got

    honest = numbers(True)
    assert honest[0][0][0] is not None and honest[1][0][1] is not None
    craft(good, "UPDATE f_quantiles SET q975 = q975 * 5", "UPDATE t_quantiles SET q975 = q975 * 5")
    assert numbers(True) == honest
    result = run("sql", "--format", "json", STATS, "--db", good)
    assert result.exit_code == 0 and json.loads(result.output)[0]["icc_ci_low"] == honest[0][0][0]
    assert numbers(False) == honest


@pytest.mark.parametrize(
    "statement, check",
    [
        ("INSERT INTO video_people SELECT row_index, influencer_id + 1, n_faces, presence, share, true, NULL, NULL, NULL"
         " FROM video_people WHERE is_dominant AND row_index = 0", "one_influencer_per_video"),
        ("UPDATE videos SET status = 'duplicate', duplicate_of = 99 WHERE row_index = 1",
         "duplicates_point_at_decoded_rows"),
        ("UPDATE videos SET performance = 'nan'::DOUBLE WHERE row_index = 2", "scores_are_finite"),
        # measurements no run makes, each of which hid a video's doubt: a NaN detector score (larger
        # than any number), fewer frames sampled than frames with faces, a NaN margin
        ("UPDATE faces SET detector_score = 'nan'::DOUBLE WHERE face_id = (SELECT min(face_id) FROM faces)",
         "measures_are_numbers_a_run_makes"),
        ("UPDATE videos SET frames_sampled = 1 WHERE row_index = 0", "measures_are_numbers_a_run_makes"),
        ("UPDATE video_people SET margin = 'nan'::DOUBLE WHERE row_index = 0", "measures_are_numbers_a_run_makes"),
        # a move onto the person the video already has: replayed, it changes nothing, yet the video's
        # doubt was hidden as if the user had checked it
        ("INSERT INTO corrections (kind, influencer_id, target_id, row_index) SELECT 'move', influencer_id,"
         " influencer_id, row_index FROM video_people WHERE is_dominant AND row_index = 0", "corrections_are_well_formed"),
    ],
)  # fmt: skip
def test_a_file_that_fails_a_data_check_is_refused_by_commands_that_show_numbers(tmp_path, good, statement, check):
    """A second influencer for a video counted its score twice (16 scores became 17 in the demo,
    ICC 0.864 to 0.865) in report, people and sql, without a sign; `cluster` rebuilds the people."""
    craft(good, statement)
    for args in (["report", "--out-dir", "{out}"], ["people"], ["sql", "SELECT * FROM reliability"]):
        line = one_clear_line(run(*_cmd(args, good, tmp_path)), 2)
        assert f"fails influx's data check {check}" in line, line
    assert not (tmp_path / "out").exists()
    if check == "one_influencer_per_video":
        assert run("cluster", "--db", good).exit_code == 0
        assert run("people", "--db", good).exit_code == 0


def _relabel_by_hand(path, sql):
    """Faces relabelled by `sql`, the derived tables rebuilt with influx's own SQL (as someone
    who knows influx would, so that every data check holds)."""
    con = store.connect(path)
    con.execute(sql)
    for table in ("video_people", "influencers"):
        store.derive(con, table)
    con.close()


@pytest.mark.parametrize("case", ["a merge listed, never applied", "faces relabelled", "a merge applied by hand"])
def test_labels_that_do_not_follow_the_corrections_are_refused(tmp_path, good, case):
    """A merge in `corrections` whose faces kept their labels: `influx corrections` listed it while
    every number was computed without it. Faces given to another person by hand, with the people
    tables rebuilt to match: a video credited to someone the clustering and the corrections never
    said. Both passed every check."""
    if case == "a merge listed, never applied":
        craft(good, "INSERT INTO corrections (kind, influencer_id, target_id) VALUES ('merge', 1, 2)")
    elif case == "faces relabelled":
        _relabel_by_hand(good, "UPDATE faces SET influencer_id = 2 WHERE influencer_id = 1 AND row_index ="
                               " (SELECT min(row_index) FROM faces WHERE influencer_id = 1)")  # fmt: skip
    else:
        _relabel_by_hand(good, "UPDATE faces SET influencer_id = 2 WHERE influencer_id = 1")
    for args in (["report", "--out-dir", "{out}"], ["people"], ["sql", "SELECT * FROM reliability"]):
        line = one_clear_line(run(*_cmd(args, good, tmp_path)), 2)
        assert "face labels are not the clustering's with the corrections applied" in line, line
    from influx.review import pages

    with pytest.raises(store.BadDatabase, match="face labels"), pages.reading(good):
        pass
    assert not (tmp_path / "out").exists()
    assert run("cluster", "--db", good).exit_code == 0 and run("people", "--db", good).exit_code == 0


@pytest.mark.parametrize("target", ["NULL", "-1"])
def test_a_correction_influx_would_not_make_is_refused_then_undone(tmp_path, good, target):
    """A merge into NULL ended cluster in a TypeError; a merge into -1 ("unlabelled") silently
    took a person's videos away (4 people became 3 in the demo)."""
    craft(good, f"INSERT INTO corrections (kind, influencer_id, target_id) VALUES ('merge', 1, {target})")
    con = duckdb.connect(str(good))
    correction = con.execute("SELECT max(correction_id) FROM corrections").fetchone()[0]
    con.close()
    line = one_clear_line(run("cluster", "--db", good), 2)
    assert f"correction {correction} (merge) is not one influx makes" in line, line
    line = one_clear_line(run("people", "--db", good), 2)
    assert "corrections_are_well_formed" in line and f"influx undo {correction}" in line, line
    listed = run("corrections", "--db", good, "--format", "csv")
    assert listed.exit_code == 0 and f"{correction},merge" in listed.output, listed.output
    assert run("undo", correction, "--db", good).exit_code == 0
    assert run("cluster", "--db", good).exit_code == 0 and run("people", "--db", good).exit_code == 0


def test_person_ids_at_the_largest_integer_refuse_a_new_person_in_one_line(tmp_path, good):
    """A remembered person id of 2**31 - 1 (written by hand) left no id for a new person: `move
    --to new` and a clustering with new people ended in "Out of Range Error" with exit 1."""
    craft(good, "INSERT INTO person_ids (influencer_id) VALUES (2147483647)")

    def stored():
        con = duckdb.connect(str(good), read_only=True)
        try:
            tables = ("corrections", "person_ids", "person_memory", "video_people", "influencers")
            return [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables] + [
                con.execute("SELECT face_id, cluster_id, influencer_id FROM faces ORDER BY face_id").fetchall()
            ]
        finally:
            con.close()

    before = stored()
    line = one_clear_line(run("move", 0, "--to", "new", "--db", good), 2)
    assert "2147483647" in line and "written by hand" in line, line
    assert stored() == before
    craft(good, "DELETE FROM person_memory", "UPDATE faces SET influencer_id = NULL, cluster_id = NULL")  # all new
    before = stored()
    line = one_clear_line(run("cluster", "--db", good), 2)
    assert "2147483647" in line and "written by hand" in line, line
    assert stored() == before  # no label, person or memory written before the refusal


def test_a_table_without_its_key_is_refused(tmp_path, good):
    """Same columns and types, but no primary key: the file could hold a video twice."""
    con = duckdb.connect(str(good))
    for (view,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall():
        con.execute(f"DROP VIEW {view}")
    con.execute("CREATE TABLE copy AS SELECT * FROM videos")
    con.execute("DROP TABLE videos")
    con.execute("ALTER TABLE copy RENAME TO videos")
    con.execute("INSERT INTO videos SELECT * FROM videos WHERE row_index = 0")
    con.close()
    for args in COMMANDS:
        line = one_clear_line(run(*_cmd(args, good, tmp_path)), 2)
        assert "table videos lacks influx's NOT NULL constraint on row_index" in line, line


def test_an_influencer_id_that_is_text_cannot_steer_file_names(tmp_path, good):
    craft(good, "CREATE TABLE i2 AS SELECT influencer_id::VARCHAR AS influencer_id, * EXCLUDE (influencer_id)"
          " FROM influencers", "DROP TABLE influencers", "ALTER TABLE i2 RENAME TO influencers",
          "UPDATE influencers SET influencer_id = '../../x' WHERE influencer_id = '1'")  # fmt: skip
    result = run("report", "--db", good, "--out-dir", tmp_path / "out")
    assert "does not have influx's columns" in one_clear_line(result, 2)
    assert not list(tmp_path.rglob("*.jpg"))


def test_report_files_stay_in_the_out_dir_and_hostile_crops_are_skipped(tmp_path, good):
    bomb = io.BytesIO()
    from PIL import Image

    Image.new("L", (4000, 4000)).save(bomb, "JPEG")  # a valid JPEG far larger than any crop
    craft(good, "UPDATE faces SET crop = 'not an image'::BLOB WHERE row_index = 0")
    con = duckdb.connect(str(good))
    con.execute("UPDATE faces SET crop = ? WHERE row_index = 1", [bomb.getvalue()])
    con.close()
    result = run("report", "--db", good, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    written = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()} - {
        good.resolve(),
        good.with_suffix(".duckdb.wal"),
    }
    assert all((tmp_path / "out").resolve() in p.parents for p in written if p.name != "good.duckdb")
    faces = sorted(p.name for p in (tmp_path / "out" / "influencer_faces").iterdir())
    assert all(name.removesuffix(".jpg").isdigit() for name in faces)


def test_formulas_and_control_characters_are_neutralised_in_every_csv(tmp_path, good):
    con = store.connect(good)
    con.execute("UPDATE videos SET video_url = '=HYPERLINK(\"http://evil\")'")
    con.execute("UPDATE person_ids SET name = '+cmd|calc\x1b[31m'")
    con.close()
    con = store.connect(good)
    cluster(con)  # names reach influencers
    con.close()
    assert run("report", "--db", good, "--out-dir", tmp_path / "out").exit_code == 0
    text = (tmp_path / "out" / "sorted_unique_influencers_with_reliability.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "@")) for cell in row)
        assert all("\x1b" not in cell for cell in row)
    out = run("sql", "--db", good, "--format", "csv", "SELECT video_url, -1.5 AS x FROM videos LIMIT 1")
    assert list(csv.reader(io.StringIO(out.output)))[1] == ['\'=HYPERLINK("http://evil")', "-1.5"]
    assert csv_cell("-2+3") == "'-2+3" and csv_cell(-2) == "-2" and csv_cell(None) == ""


def test_names_are_text_not_markup_and_escapes_are_shown(tmp_path, good):
    result = run("rename", "1", "[/bold] [link=http://x]click[/link] \x1b]8;;evil\x07", "--db", good)
    assert result.exit_code == 0, result.output
    for args in (["people"], ["sql", "SELECT name FROM influencers"], ["people", "--format", "markdown"]):
        out = run(*args, "--db", good)
        assert out.exit_code == 0 and "Traceback" not in out.output
        assert "[/bold]" in out.output and "\x1b" not in out.output and "\\x1b" in out.output


@pytest.mark.parametrize(
    "statement",
    [
        "ATTACH '{other}' AS o (READ_WRITE)",
        "COPY (SELECT 1) TO '{file}'",
        "EXPORT DATABASE '{folder}'",
        "SET threads = 1",
        "PRAGMA version",
        "CHECKPOINT",
        "INSTALL httpfs",
        "SELECT 1; DROP TABLE videos",
        "DELETE FROM videos",
    ],
)
def test_sql_without_write_only_reads(tmp_path, good, statement):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    query = statement.format(other=other, file=tmp_path / "f.csv", folder=tmp_path / "export")
    result = run("sql", "--db", good, query)
    line = one_clear_line(result, 1)
    assert "--write" in line
    assert not (tmp_path / "f.csv").exists() and not (tmp_path / "export").exists()


def test_sql_with_write_still_has_no_external_access(tmp_path, good, secret):
    result = run("sql", "--db", good, "--write", f"SELECT * FROM read_text('{secret}')")
    assert result.exit_code == 1 and SECRET not in result.output


def test_sql_prints_arrays_blobs_and_nulls_in_every_format(good):
    con = store.connect(good)
    con.execute("UPDATE videos SET width = NULL")
    con.close()
    for fmt in ("table", "csv", "markdown", "json"):
        for query in ("SELECT * FROM faces", "SELECT * FROM videos", "SELECT NULL::INTEGER AS n, 'nan'::DOUBLE AS x"):
            out = run("sql", "--db", good, "--format", fmt, query)
            assert out.exit_code == 0 and "Traceback" not in out.output, (fmt, query, out.output)
            if fmt == "json":
                json.loads(out.output)
            if fmt in ("table", "markdown"):
                assert "nan" not in out.output.lower().replace("nanosecond", "")
    table = run("sql", "--db", good, "SELECT embedding, crop FROM faces LIMIT 1").output
    assert "… 128" in table and "values]" in table and "bytes>" in table  # the array folds at 80 columns
    assert json.loads(run("sql", "--db", good, "--format", "json", "SELECT NULL::INT AS n").output) == [{"n": None}]
    assert run("sql", "--db", good, "").exit_code == 1


def _broken_files(tmp_path, good) -> dict:
    data = good.read_bytes()
    rnd = random.Random(0)
    flipped = bytearray(data)
    for _ in range(200):
        flipped[rnd.randrange(4096, len(flipped))] ^= 0xFF
    kinds = {
        "truncated": data[: len(data) // 3],
        "zeroed": b"\0" * len(data),
        "random": bytes(rnd.getrandbits(8) for _ in range(300_000)),
        "csv": b"Video URL,Performance\nhttp://a,1\n",
        "empty": b"",
        "bit_flips": bytes(flipped),
    }
    out = {}
    for name, content in kinds.items():
        path = tmp_path / f"{name}.duckdb"
        path.write_bytes(content)
        out[name] = path
    plain = tmp_path / "plain.duckdb"  # a DuckDB file, not influx's
    craft(plain, "CREATE TABLE t (a INTEGER)")
    out["foreign"] = plain
    future = tmp_path / "future.duckdb"
    future.write_bytes(data)
    craft(future, "INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
    out["future"] = future
    return out


def test_every_command_on_every_broken_file(tmp_path, good):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("Video URL,Performance\n/no/such/video.mp4,1\n")
    commands = COMMANDS + [["ingest", str(csv_path)], ["people", "--format", "json"], ["undo", "1"],
                           ["move", "0", "--to", "new"], ["unmerge", "1"], ["not-influencer", "1"]]  # fmt: skip
    for kind, path in _broken_files(tmp_path, good).items():
        before = path.read_bytes()
        for args in commands:
            result = run(*_cmd(args, path, tmp_path))
            line = one_clear_line(result)
            assert str(path.name) in line or "database" in line, (kind, args, line)
        if kind in ("truncated", "zeroed", "random", "csv", "foreign", "future"):
            assert path.read_bytes() == before, kind  # a refused file is left as it was


@pytest.mark.parametrize("value", ["NULL", "'nan'", "'inf'"])
def test_a_crafted_embedding_value_is_refused_not_clustered(tmp_path, good, value):
    """A NULL, NaN or infinite number in a stored face vector would move every distance it is
    in; influx never stores one, so the file is refused before anything is rewritten."""
    craft(good, f"UPDATE faces SET embedding = list_concat([{value}::FLOAT], embedding[2:])"
                " WHERE face_id = (SELECT min(face_id) FROM faces)")  # fmt: skip

    def labels():
        con = ro(good)
        try:
            return con.execute("SELECT face_id, influencer_id FROM faces ORDER BY 1").fetchall()
        finally:
            con.close()

    before = labels()
    for args in (["cluster"], ["people", "--suggest-merges"]):
        line = one_clear_line(run(*args, "--db", good), code=2)
        assert "faces.embedding" in line and "not written by influx" in line
    assert labels() == before


def test_a_db_in_a_missing_folder_or_a_csv_as_db(tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("Video URL,Performance\n/no/such/video.mp4,1\n")
    result = run("ingest", csv_path, "--db", tmp_path / "nope" / "x.duckdb")
    assert "does not exist" in one_clear_line(result, 2)
    result = run("ingest", csv_path, "--db", csv_path)
    assert "not a readable DuckDB database" in one_clear_line(result, 2)


def test_commands_on_a_missing_database_create_nothing(tmp_path):
    missing = tmp_path / "missing.duckdb"
    for args in (["rename", "1", "x"], ["merge", "1", "2"], ["cluster"], ["people"], ["report"], ["undo", "1"]):
        result = run(*args, "--db", missing)
        assert result.exit_code == 2 and "Traceback" not in result.output
    assert not missing.exists()


def test_a_database_in_use_is_one_line(tmp_path, good):
    """Another process holds the file (DuckDB's lock): each command says so in one line, exit 2."""
    with held_by_another_process(good):
        for args in (["rename", "1", "x"], ["merge", "1", "2"], ["cluster"], ["people"], ["report"]):
            line = one_clear_line(run(*args, "--db", good), 2)
            assert "in use by another process" in line, (args, line)


def test_cluster_and_run_on_a_database_without_faces(tmp_path, fake_videos, fake_models):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(f"Video URL,Performance\n{fake_videos['nobody']},1\n/no/such/file.mp4,2\n")
    path = tmp_path / "n.duckdb"
    local_root = fake_videos["nobody"].parent
    assert run("ingest", csv_path, "--db", path, "--workers", "1", "--local-root", local_root).exit_code == 0
    result = run("cluster", "--db", path)
    assert result.exit_code == 0 and "0 faces" in result.output, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Video URL,Performance\n/no/such/a.mp4,1\n/no/such/b.mp4,2\n")
    result = run("run", bad, "--db", tmp_path / "r.duckdb", "--out-dir", tmp_path / "r", "--workers", "1")
    assert result.exit_code == 1 and "no video could be read" in result.output
    assert not (tmp_path / "r" / "influencer_table.pdf").exists()  # no report pretends to be one


def test_an_unclosed_quote_names_its_line(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('Video URL,Performance\nhttp://a,1\n"http://b,2\nhttp://c,3\n')
    result = run("ingest", path, "--db", tmp_path / "q.duckdb")
    assert "line 3 is never closed" in one_clear_line(result, 2)
    assert not (tmp_path / "q.duckdb").exists()


def test_no_network_is_said_early_and_nothing_read_exits_1(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("Video URL,Performance\n" + "".join(f"http://127.0.0.1:9/v{i},1\n" for i in range(7)))
    result = run("ingest", path, "--db", tmp_path / "n.duckdb", "--retries", "0", "--timeout", "2", "--workers", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "network is unreachable" in result.output and "again" in result.output


def test_ctrl_c_inside_duckdb_exits_130_without_a_traceback(tmp_path, monkeypatch):
    from influx.ingest import pipeline as ingest_module

    def interrupted(*args, **kwargs):
        raise RuntimeError("Query interrupted")  # how Ctrl-C can surface from inside a DuckDB call

    monkeypatch.setattr(ingest_module, "_run", interrupted)
    for where in ("influx.cli.ingest.exit_now", "influx.cli.base.exit_now"):
        monkeypatch.setattr(where, lambda code: (_ for _ in ()).throw(SystemExit(code)))
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("Video URL,Performance\n/no/such/a.mp4,1\n")
    result = run("ingest", csv_path, "--db", tmp_path / "c.duckdb")
    assert result.exit_code == 130 and "Traceback" not in result.output and "Interrupted" in result.output


def test_a_setting_that_is_not_a_number_is_ignored_by_corrections(tmp_path, good):
    craft(good, "INSERT OR REPLACE INTO settings VALUES ('merge_distance', 'abc')")
    result = run("move", "0", "--to", "new", "--db", good)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", ["abc", "nan", "1e300", "-1", "0"])
def test_a_merge_distance_no_run_stores_changes_no_doubt(good, value):
    """The review page's "far from the person's other videos" uses the stored merge distance: a
    negative one flagged every video, 1e300 none. A value outside the command line's range is
    not one influx stored, and the default is used."""
    from influx.review import pages

    def doubtful():
        con = store.connect(good, read_only=True)
        try:
            return pages.videos_by_doubt(con)["doubtful"], store.number_setting(con, "merge_distance", -9.0)
        finally:
            con.close()

    honest, stored = doubtful()
    craft(good, f"INSERT OR REPLACE INTO settings VALUES ('merge_distance', '{value}')")
    assert doubtful() == (honest, -9.0) and stored != -9.0


def test_an_error_nobody_foresaw_is_one_line_and_exit_1(tmp_path, good, monkeypatch):

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(corrections, "list_corrections", broken)
    line = one_clear_line(run("corrections", "--db", good), 1)
    assert "internal error: ZeroDivisionError: division by zero" in line
    monkeypatch.setenv("INFLUX_DEBUG", "1")
    assert isinstance(run("corrections", "--db", good).exception, ZeroDivisionError)


def test_a_full_disk_in_cluster_or_report_is_one_line(tmp_path, good, monkeypatch):
    import errno

    def no_space(*args, **kwargs):
        raise duckdb.IOException('Could not write file "x.duckdb": No space left on device')

    with monkeypatch.context() as m:
        m.setattr(ids, "write_labels", no_space)
        result = run("cluster", "--db", good)
        assert "No space left on device" in one_clear_line(result, 1)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr("influx.report.files.write", full)  # every report file goes through files.write
    result = run("report", "--db", good, "--out-dir", tmp_path / "out")
    assert "No space left on device" in one_clear_line(result, 1)


def test_jpeg_header_reader_agrees_with_pil_and_refuses_damaged_headers():
    import io

    import cv2
    import numpy as np
    from PIL import Image

    from influx.report.images import jpeg_size, safe_jpeg

    for h, w, flags in [
        (37, 53, []),
        (256, 190, [cv2.IMWRITE_JPEG_QUALITY, 15]),
        (8, 8, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
    ]:
        ok, jpeg = cv2.imencode(".jpg", np.random.default_rng(h).integers(0, 255, (h, w, 3), dtype=np.uint8), flags)
        data = jpeg.tobytes()
        assert jpeg_size(data) == Image.open(io.BytesIO(data)).size == (w, h)
        assert safe_jpeg(data) == data
        for cut in (3, 10, 40):  # a header cut short never reads past the end, and is refused
            assert safe_jpeg(data[:cut]) is None
    ok, big = cv2.imencode(".jpg", np.zeros((8, 2000, 3), np.uint8))
    assert safe_jpeg(big.tobytes()) is None  # over MAX_SIDE
    assert safe_jpeg(b"\xff\xd8\xff\xd9") is None and safe_jpeg(b"GIF89a") is None
