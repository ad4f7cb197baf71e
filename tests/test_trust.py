"""Trust, round two (issue 24, the ingest and database half; issue 26 item 1): influx touches only
its own files, reads only the local files a user allowed, decodes only video containers, runs
only its own SQL, reads every score with one convention, and stops fast and honestly offline."""

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from influx.cli import cli
from influx.ingest.fetch import fetch
from influx.ingest.limits import FetchOptions
from tests import builders
from tests.builders import write_csv
from tests.conftest import ro
from tests.server import Server


@pytest.fixture(scope="module")
def fake_video() -> Path:
    """A 3 s video of one person on the fake face models."""
    return builders.fake_video("one_person", [(0, 80, 0.0, 1.0)], seed=424)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def no_traceback(result):
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def rows_of(db_path):
    con = ro(db_path)
    try:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT row_index, status, error_kind, error, sha256, local_path FROM videos ORDER BY 1").fetchall()}  # fmt: skip
    finally:
        con.close()


# 24.1: influx deletes or overwrites only the files it wrote itself


def test_the_users_files_in_the_videos_folder_are_never_deleted_or_overwritten(tmp_path, fake_video, fake_models):
    folder = tmp_path / "videos"
    folder.mkdir()
    users = {"0.draft.docx": b"my draft", "1.jpg": b"\xff\xd8 a photo", "1.notes.txt": b"notes", "12.txt": b"x",
             "2.mp4": b"my own video, not a download", "2.mp4.part": b"mine too", "3.mp4.source": b"{}",
             "3.mp4": b"a file with a record that is not influx's"}  # fmt: skip
    for name, data in users.items():
        (folder / name).write_bytes(data)
    with Server({"v": fake_video}) as server:
        urls = [server.url + "/status/404", server.url + "/status/410", server.url + "/blob/v", server.url + "/blob/v"]
        csv = write_csv(tmp_path / "in.csv", [(1.0, u) for u in urls])
        db_path = tmp_path / "t.duckdb"
        result = run("ingest", csv, "--db", db_path, "--videos-dir", folder, "--workers", 1, "--retries", 0)
        no_traceback(result)
        for name, data in users.items():
            assert (folder / name).read_bytes() == data, name
        got = rows_of(db_path)
        assert [got[i][0] for i in range(4)] == ["failed", "failed", "ok", "duplicate"]
        mine = Path(got[2][4])
        assert mine.parent == folder and mine.name.startswith("2.") and mine.read_bytes() == fake_video.read_bytes()
        assert json.loads(mine.with_name(mine.name + ".source").read_text())["url"] == urls[2]
        # a second run reuses influx's own download; a new URL at row 2 replaces it, and only it
        hits = server.hits["/blob/v"]
        assert run("ingest", csv, "--db", db_path, "--videos-dir", folder, "--workers", 1).exit_code == 0
        assert server.hits["/blob/v"] == hits
        urls[2] = server.url + "/blob/v?again"
        write_csv(csv, [(1.0, u) for u in urls])
        no_traceback(run("ingest", csv, "--db", db_path, "--videos-dir", folder, "--workers", 1, "--retries", 0))
    assert rows_of(db_path)[2][0] == "ok"
    assert json.loads(mine.with_name(mine.name + ".source").read_text())["url"] == urls[2]  # the new one
    for name, data in users.items():
        assert (folder / name).read_bytes() == data, name
    assert not any(p.name.startswith(".influx-tmp-") for p in folder.iterdir())  # no leftovers


def test_only_influx_downloads_are_replaced(tmp_path, fake_video):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "5.mp4").write_bytes(b"the user's")
    with Server({"v": fake_video}) as server:
        opts = FetchOptions(videos_dir=folder, retries=0)
        first = fetch(server.url + "/blob/v", 5, opts)
        assert first.path != folder / "5.mp4" and (folder / "5.mp4").read_bytes() == b"the user's"
        assert fetch(server.url + "/blob/v", 5, opts).path == first.path  # reused
        first.path.write_bytes(b"edited by hand since")  # no longer influx's: left alone
        again = fetch(server.url + "/blob/v", 5, opts)
        assert first.path.read_bytes() == b"edited by hand since" and again.path not in (first.path, folder / "5.mp4")
        from influx.ingest import downloads

        downloads.forget(5, folder)
        assert not again.path.exists() and sorted(p.name for p in folder.iterdir()) == sorted(
            ["5.mp4", first.path.name, first.path.name + ".source"]
        )


# 24.3: local files only inside the CSV's folder (and --local-root)


def test_a_csv_reads_local_files_only_inside_its_folder(tmp_path, fake_video, fake_models, monkeypatch):
    home, here, elsewhere = tmp_path / "home", tmp_path / "campaign", tmp_path / "private"
    for d in (home, here, elsewhere):
        d.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (home / ".bashrc").write_text("secret")
    (elsewhere / "secret.txt").write_text("secret")
    (elsewhere / "private.mp4").write_bytes(fake_video.read_bytes())
    (here / "ad.mp4").write_bytes(fake_video.read_bytes())
    (here / "sub").mkdir()
    (here / "sub" / "ad2.mp4").write_bytes(fake_video.read_bytes()[:-1] + b"\0")
    (here / "link.mp4").symlink_to(elsewhere / "private.mp4")
    (here / "linkdir").symlink_to(elsewhere)
    outside = [str(elsewhere / "secret.txt"), "~/.bashrc", "../private/secret.txt",
               f"file://{elsewhere / 'private.mp4'}", "link.mp4", "linkdir/private.mp4",
               "sub/../../private/private.mp4", "file://localhost" + str(elsewhere / "secret.txt")]  # fmt: skip
    inside = ["ad.mp4", str(here / "sub" / "ad2.mp4")]
    csv = write_csv(here / "in.csv", [(1.0, u) for u in outside + inside])
    db_path = tmp_path / "t.duckdb"
    no_traceback(run("ingest", csv, "--db", db_path, "--workers", 1))
    got = rows_of(db_path)
    for i, url in enumerate(outside):
        status, kind, error, sha, path = got[i]
        assert (status, kind, sha, path) == ("failed", "outside_root", None, None), (url, got[i])
        assert "--local-root" in error
    assert [got[len(outside) + i][0] for i in range(len(inside))] == ["ok", "ok"]
    # the user allows the other folder: its files are read
    no_traceback(run("ingest", csv, "--db", db_path, "--workers", 1, "--retry-failed", "--local-root", elsewhere))
    got = rows_of(db_path)
    assert got[3][0] == "duplicate" and got[0][:2] == ("failed", "decode")


# 24.4: only video containers are decoded; no demuxer opens another file


def test_an_ffconcat_file_is_not_decoded_as_the_video_it_names(tmp_path, fake_video, fake_models):
    folder = tmp_path / "videos"
    concat = tmp_path / "concat.txt"
    concat.write_text("ffconcat version 1.0\nfile 0.mp4\n")
    (tmp_path / "ad.ffconcat").write_text("ffconcat version 1.0\nfile ad.mp4\n")
    (tmp_path / "ad.mp4").write_bytes(fake_video.read_bytes())
    with Server({"v": fake_video, "concat": concat}) as server:
        rows = [(1.0, server.url + "/blob/v"), (2.0, server.url + "/blob/concat"), (3.0, "ad.ffconcat")]
        csv = write_csv(tmp_path / "in.csv", rows)
        result = run("ingest", csv, "--db", tmp_path / "t.duckdb", "--videos-dir", folder, "--workers", 1)
    no_traceback(result)
    got = rows_of(tmp_path / "t.duckdb")
    assert got[0][0] == "ok"
    for i in (1, 2):
        assert got[i][:2] == ("failed", "decode") and "MP4/MOV" in got[i][2], got[i]


def test_the_frames_of_other_demuxers_are_refused(tmp_path):
    from influx.faces.frames import VideoError, iter_frames

    playlist = tmp_path / "list.m3u8"
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/hostname\n#EXT-X-ENDLIST\n")
    with pytest.raises(VideoError, match="not a video file influx decodes"):
        next(iter_frames(playlist, 2, 4))


# 24.5: a file's schema may evaluate no SQL of its own (defaults, generated columns, CHECKs, sequences)


def _rebuild(path, table, change):
    """Recreate `table` from its own definition with `change` applied to the CREATE statement."""
    con = duckdb.connect(str(path))
    definition = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0]
    new = change(definition)
    assert new != definition
    keep = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?"
                                      " AND NOT is_generated", [table]).fetchall()]  # fmt: skip
    con.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
    con.execute(new)
    generated = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?"
                                           " AND is_generated", [table]).fetchall()}  # fmt: skip
    cols = ", ".join(f'"{c}"' for c in keep if c not in generated)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM old_{table}")
    con.execute(f"DROP TABLE old_{table}")
    con.close()


CRAFTED = {
    "generated score": ("videos", lambda s: s.replace("performance DOUBLE,",
                                                      "performance DOUBLE GENERATED ALWAYS AS (random() * 100),")),
    "name from a setting": ("influencers", lambda s: s.replace("\"name\" VARCHAR", "\"name\" VARCHAR GENERATED"
                                                               " ALWAYS AS (current_setting('temp_directory'))")),
    "default from a setting": ("person_ids", lambda s: s.replace("\"name\" VARCHAR",
                                                                 "\"name\" VARCHAR DEFAULT(current_setting('home_directory'))")),
    "check": ("settings", lambda s: s.replace("PRIMARY KEY", "PRIMARY KEY CHECK ((random() < 2))", 1)),
}  # fmt: skip


THREE = [[(f, p, 100) for f in range(4)] for p in (0, 1, 2, 0, 1, 2)]


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_a_file_whose_schema_runs_its_own_sql_is_refused(tmp_path, make_clustered_db, case):
    path = make_clustered_db(THREE)
    assert run("sql", "--db", path, "SELECT count(*) FROM videos").exit_code == 0
    _rebuild(path, *CRAFTED[case])
    before = path.read_bytes()
    for args in (["sql", "SELECT avg(performance) FROM videos"], ["people"], ["cluster"], ["report", "--out-dir", tmp_path / "r"]):  # fmt: skip
        result = run(*args, "--db", path)
        no_traceback(result)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and "not defined as influx defines it" in lines[0], (
            args,
            result.output,
        )
    assert path.read_bytes() == before


FOREIGN = {  # (SQL, the words of the refusal): what a file may not define, though DuckDB stores it in the file
    # a trigger runs the file's SQL when influx writes (DuckDB 2.0)
    "scores times ten on a correction": ("CREATE TRIGGER t AFTER INSERT ON corrections FOR EACH STATEMENT"
                                         " UPDATE videos SET performance = performance * 10", "defines triggers (t)"),
    "scores negated when people are stored": ("CREATE TRIGGER t AFTER INSERT ON video_people FOR EACH STATEMENT"
                                              " UPDATE videos SET performance = -performance", "defines triggers (t)"),
    # an index's expression runs on influx's writes; a unique one makes INSERT OR IGNORE drop rows
    "a unique index drops remembered faces": ("CREATE UNIQUE INDEX pm ON person_memory (influencer_id)",
                                              "defines indexes (pm)"),
    "an index expression fails every correction": ("CREATE INDEX ck ON corrections ((CAST(kind AS INTEGER)))",
                                                   "defines indexes (ck)"),
    # a type named JSON replaces the type of influx's ::JSON casts
    "a JSON type of its own": ("CREATE TYPE JSON AS VARCHAR", "defines types (JSON)"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_a_file_with_objects_that_run_its_own_sql_is_refused_before_influx_writes(tmp_path, make_clustered_db, case):
    statement, words = FOREIGN[case]
    path = make_clustered_db(THREE)
    con = duckdb.connect(str(path))
    scores = con.execute("SELECT row_index, performance FROM videos ORDER BY 1").fetchall()
    con.execute(statement)
    con.close()
    before = path.read_bytes()
    for args in (["merge", 1, 2], ["cluster"], ["sql", "SELECT 1"], ["people"], ["report", "--out-dir", tmp_path / "r"]):  # fmt: skip
        result = run(*args, "--db", path)
        no_traceback(result)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and words in lines[0], (args, result.output)
    assert path.read_bytes() == before
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT row_index, performance FROM videos ORDER BY 1").fetchall() == scores
    con.close()


@pytest.mark.parametrize("table, sequence", [("corrections", "correction_id_seq"), ("undone_corrections", "correction_id_seq"), ("faces", "face_id_seq")])  # fmt: skip
def test_a_sequence_behind_the_ids_it_gave_is_refused(tmp_path, make_clustered_db, table, sequence):
    """A file whose correction ids run ahead of their sequence would give the user's next correction
    a lower id than one already stored, which is replayed after it and silently wins."""
    path = make_clustered_db(THREE)
    con = duckdb.connect(str(path))
    column = "face_id" if table == "faces" else "correction_id"
    if table == "faces":
        con.execute("UPDATE faces SET face_id = face_id + 1000 WHERE face_id = (SELECT max(face_id) FROM faces)")
    else:
        undone = ", now(), 'undo'" if table == "undone_corrections" else ""
        columns = "correction_id, kind, influencer_id, target_id, row_index, created_at"
        columns += ", undone_at, undone_by" if undone else ""
        con.execute(f"INSERT INTO {table} ({columns}) VALUES (1000, 'move', 1, 3, 0, now(){undone})")
    highest = con.execute(f"SELECT max({column}) FROM {table}").fetchone()[0]
    con.close()
    before = path.read_bytes()
    for args in (["move", 0, "--to", "new"], ["sql", "SELECT 1"]):
        result = run(*args, "--db", path)
        no_traceback(result)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1, (args, result.output)
        assert f"sequence {sequence}" in lines[0] and f"{highest}" in lines[0], lines[0]
    assert path.read_bytes() == before


# 26.1: offline, the run stops fast, says so, and reports nothing


@pytest.fixture
def offline(monkeypatch):
    """Every host name fails to resolve (as with no network), at once; 127.0.0.1 still works."""
    import socket

    real = socket.getaddrinfo
    calls = []

    def getaddrinfo(host, *args, **kw):
        calls.append(host)
        if host in ("127.0.0.1", "localhost"):
            return real(host, *args, **kw)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def test_offline_the_real_sheet_stops_within_a_minute_and_resumes(tmp_path, shared, offline):
    import time

    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes((shared / "assignment_data.csv").read_bytes())
    db_path, out = tmp_path / "o.duckdb", tmp_path / "report"
    started = time.monotonic()
    result = run("run", sheet, "--db", db_path, "--out-dir", out, "--workers", 2)
    assert time.monotonic() - started < 60
    no_traceback(result)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "network is unreachable" in errors[0] and "again" in errors[0], result.output
    assert "cluster" not in result.output and not out.exists()  # no report that pretends otherwise
    con = ro(db_path)
    statuses = dict(con.execute("SELECT status, count(*) FROM videos GROUP BY 1").fetchall())
    con.close()
    assert statuses.get("pending", 0) > 250 and statuses.get("ok", 0) == 0, statuses
    assert len(offline) < 40  # DNS failures are not retried, and the run did not try every row
    # a second run, still offline: says what is left and exits non-zero
    result = run("ingest", sheet, "--db", db_path, "--workers", 2)
    no_traceback(result)
    assert result.exit_code == 1 and "pending" in result.output and "again" in result.output


def test_a_few_unresolvable_rows_fail_and_a_second_run_says_retry_failed(tmp_path, offline):
    csv = write_csv(tmp_path / "in.csv", [(1.0, f"http://h{i}.invalid/v.mp4") for i in range(3)])
    db_path = tmp_path / "d.duckdb"
    result = run("ingest", csv, "--db", db_path, "--workers", 1)
    no_traceback(result)
    assert result.exit_code == 1 and "no video could be read" in result.output
    # one try each: a name that does not resolve is not retried (only this test's names are counted:
    # a download the previous test left running may still ask for its own)
    mine = [host for host in offline if host.endswith(".invalid")]
    assert sorted(mine) == ["h0.invalid", "h1.invalid", "h2.invalid"], offline
    result = run("run", csv, "--db", db_path, "--out-dir", tmp_path / "r", "--workers", 1)
    no_traceback(result)
    assert result.exit_code == 1 and "--retry-failed" in result.output and not (tmp_path / "r").exists()


# 24.7: one convention per Performance column, decided from the whole column and stated


@pytest.mark.parametrize(
    "cells, want, said",
    [
        (["1,500", "12,345", "1,500,000", "$1,500.00", "2.5"], [1500, 12345, 1500000, 1500, 2.5], "a decimal point"),
        (["1,5", "12,345", "1.500", "1.234,5", "2"], [1.5, 12.345, 1500, 1234.5, 2], "a decimal comma"),
        (["1,500", "2", "3"], [None, 2, 3], "no thousands or decimal"),  # 1.5 or 1500: an error, not a guess
        (["1.500", "2", "3"], [1.5, 2, 3], "no thousands or decimal"),  # a CSV's own number format
        (["0,750", "1.500", "2"], [0.75, 1500, 2], "a decimal comma"),  # no thousands group starts with 0
        (["0.750", "1,500", "2"], [0.75, 1500, 2], "a decimal point"),
        (["0,750", "2.5", "3.25"], [None, 2.5, 3.25], "a decimal point"),  # 0,750 is not 750
        (["1,500", "12,345", "2,5", "3.25", "4.75"], [1500, 12345, None, 3.25, 4.75], "a decimal point"),
    ],
)
def test_a_performance_column_is_read_with_one_convention(tmp_path, cells, want, said):
    csv = write_csv(tmp_path / "in.csv", [(c, f"missing-{i}.mp4") for i, c in enumerate(cells)])
    db_path = tmp_path / "s.duckdb"
    result = run("ingest", csv, "--db", db_path, "--workers", 1)
    no_traceback(result)
    assert f"Performance read with {said}" in result.output
    con = ro(db_path)
    got = con.execute("SELECT performance, input_error FROM videos ORDER BY row_index").fetchall()
    con.close()
    assert [g[0] for g in got] == want
    for (value, error), cell in zip(got, cells, strict=True):
        assert (value is None) == (error is not None and repr(cell) in error), (cell, error)


def test_a_sheet_shorter_than_the_database_is_refused_and_nothing_changes(tmp_path):
    """Rows are matched by position: ingesting the sheet without its last rows left them in the
    database, and their scores still counted, with exit 0 and no word. --forget-missing-rows
    forgets them."""
    db_path = tmp_path / "s.duckdb"
    cells = [("1", "missing-0.mp4"), ("2", "missing-1.mp4"), ("3", "missing-2.mp4")]
    run("ingest", write_csv(tmp_path / "in.csv", cells), "--db", db_path, "--workers", 1)
    before = rows_of(db_path), settings_of(db_path)
    result = run("ingest", write_csv(tmp_path / "shorter.csv", cells[:2]), "--db", db_path, "--workers", 1,
                 "--fps", 3)  # fmt: skip
    no_traceback(result)
    assert result.exit_code == 2 and "a video at row 2, past the end of this sheet (2 rows)" in result.output, (
        result.output
    )
    assert (rows_of(db_path), settings_of(db_path)) == before
    result = run("ingest", tmp_path / "shorter.csv", "--db", db_path, "--workers", 1, "--forget-missing-rows")
    no_traceback(result)
    assert "past the end" not in result.output and sorted(rows_of(db_path)) == [0, 1], result.output


def settings_of(db_path):
    con = ro(db_path)
    try:
        return con.execute("SELECT * FROM settings ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_rows_whose_score_cannot_be_read_are_said_at_the_end_of_the_ingest(tmp_path):
    cells = [("1", "missing-0.mp4"), ("abc", "missing-1.mp4"), ("", "missing-2.mp4"), ("2", "missing-3.mp4")]
    result = run("ingest", write_csv(tmp_path / "in.csv", cells), "--db", tmp_path / "s.duckdb", "--workers", 1)
    no_traceback(result)
    said = [line for line in result.output.splitlines() if "without a score" in line]
    assert len(said) == 1 and said[0].startswith("2 rows without a score, counted in no average"), result.output
    assert "row 1: performance 'abc' is not a number; row 2: empty performance)" in said[0]


# 24.9 (part): a full disk, a long quoted cell, two clusters at once


@pytest.fixture
def clustered(make_clustered_db):
    return make_clustered_db(THREE)


@pytest.mark.parametrize("where", ["influx.store.connection.create_views", "influx.cli.cluster.cluster"])
def test_a_full_disk_during_cluster_says_so_and_exits_1(clustered, monkeypatch, where):
    def full(*args, **kw):
        raise duckdb.IOException(f'IO Error: Could not write file "{clustered}.wal": No space left on device')

    monkeypatch.setattr(where, full)
    result = run("cluster", "--db", clustered)
    no_traceback(result)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert "disk is full" in lines[0] and str(clustered.name) in lines[0] and "damaged" not in lines[0]


def test_a_long_correctly_quoted_cell_is_read(tmp_path):
    notes = 'a long note, with commas and "quotes"\n' * 4000  # ~150,000 characters
    csv = write_csv(tmp_path / "in.csv", [(1.0, "missing.mp4", notes), (2.0, "missing2.mp4", "short")],
                    header=("Performance", "Video URL", "Notes"))  # fmt: skip
    result = run("ingest", csv, "--db", tmp_path / "n.duckdb", "--workers", 1)
    no_traceback(result)
    assert "never closed" not in result.output and result.exit_code == 1  # read; the videos are missing
    con = ro(tmp_path / "n.duckdb")
    (extra,) = con.execute("SELECT extra FROM videos WHERE row_index = 0").fetchone()
    con.close()
    assert json.loads(extra)["Notes"] == notes.strip()


def test_two_clusters_at_once_one_wins_and_the_other_exits_2(clustered):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "influx", "cluster", "--db", str(clustered)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [(p.wait(120), *p.communicate()) for p in procs]
    assert all("Traceback" not in out + err for _, out, err in outs), outs
    codes = sorted(code for code, _, _ in outs)
    assert codes in ([0, 2], [0, 0]), outs  # [0, 0]: the first had finished before the second opened
    for code, _, err in outs:
        assert code == 0 or "in use by another process" in err, err
