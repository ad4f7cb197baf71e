"""One vocabulary (influx/vocabulary.py): a status, error kind, correction kind or setting name used
in influx's Python or SQL without being in it fails here; files holding another word are refused
(the data checks accepted_*), files of earlier versions still open; the thresholds SQL and Python
share, and the words of the report's methods page, come from one definition."""

import ast
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from influx import store
from influx.cli import cli
from influx.vocabulary import CONSTANTS, VOCABULARIES, CorrectionKind, ErrorKind, Setting, VideoStatus, http_kind

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "influx"
ENUMS = {cls.__name__: cls for cls in VOCABULARIES}

# --- where a word is used: Python (by its syntax tree) -------------------------------------------

# A name compared with a literal: `status == "ok"`, `row["status"] in (...)`, `e.reason == "dns"`
# (a `.status` attribute is Dask's or HTTP's, a `reason` variable a sentence: not these words).
NAMED = {"status": (VideoStatus, ast.Name | ast.Subscript), "error_kind": (ErrorKind, ast.AST),
         "reason": (ErrorKind, ast.Attribute)}  # fmt: skip
# `kind` is an error kind in the ingest's pipeline, a correction kind in these packages (elsewhere a
# content type, a model file's kind, a network layer's: no word of influx's)
KIND = {"influx/ingest/pipeline.py": ErrorKind, "influx/identity/": CorrectionKind, "influx/review/": CorrectionKind,
        "influx/cli/": CorrectionKind, "influx/report/": CorrectionKind}  # fmt: skip
# a call's argument: (function name, position or keyword) -> vocabulary
ARGUMENTS = {
    ("FetchError", 0): ErrorKind,
    ("failed", 1): ErrorKind,  # Writer.failed(row, kind, error)
    ("done", 1): VideoStatus,
    ("on_done", 1): VideoStatus,
    ("_update", 1): VideoStatus,
    ("set_video", "status"): VideoStatus,
    ("set_video", "error_kind"): ErrorKind,
    ("setting", 1): Setting,
    ("number_setting", 1): Setting,
    ("store_settings", 1): Setting,  # a dict: its keys
    ("_correct", 1): CorrectionKind,
    ("Outcome", "error"): ErrorKind,  # (kind, message): its first element
}
# a container looked up with a literal: `statuses.get("pending")`, `settings["campaign"]`
CONTAINERS = {"statuses": VideoStatus, "done_now": VideoStatus, "counts": VideoStatus, "settings": Setting}


def _name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return _name(node.value)
    return None


def _literals(node) -> list[str]:
    """The string literals a value is made of (a tuple's first element for an (error kind, message) pair
    is handled by the caller)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []


def _pair_kind(node) -> list[str]:
    """The error kind of an (error kind, message) pair."""
    if isinstance(node, ast.Tuple) and len(node.elts) == 2:
        return _literals(node.elts[0])
    return []


def python_uses(source: str, module: str = "") -> list[tuple[type, str, int]]:
    """(vocabulary, word, line) for every word used in this Python source: literals in the contexts
    above, and members named as `VideoStatus.OK` (a name that is no member fails: `accepts` is False).
    `module`: its path from the repository's root (influx/ingest/fetch.py)."""
    kind = next((v for prefix, v in KIND.items() if module.startswith(prefix)), None)
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ENUMS:
            cls = ENUMS[node.value.id]
            if node.attr in cls.__members__ or not hasattr(cls, node.attr):  # not a method such as http()
                out.append((cls, node.attr, node.lineno))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for a, b in zip(sides, sides[1:], strict=False):
                for named, other in ((a, b), (b, a)):
                    name = _name(named)
                    vocabulary, syntax = (kind, ast.AST) if name == "kind" else NAMED.get(name, (None, None))
                    if vocabulary is not None and isinstance(named, syntax):
                        out += [(vocabulary, word, node.lineno) for word in _literals(other)]
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            for i, arg in enumerate(node.args):
                vocabulary = ARGUMENTS.get((name, i))
                if vocabulary is not None:
                    words = _pair_kind(arg) if (name, i) == ("Outcome", "error") else _literals(arg)
                    out += [(vocabulary, word, node.lineno) for word in words]
            for kw in node.keywords:
                vocabulary = ARGUMENTS.get((name, kw.arg))
                if vocabulary is not None:
                    words = _pair_kind(kw.value) if kw.arg == "error" else _literals(kw.value)
                    out += [(vocabulary, word, node.lineno) for word in words]
                elif name == "store_settings" and kw.arg is not None:
                    out.append((Setting, kw.arg, node.lineno))
            if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
                vocabulary = CONTAINERS.get(_name(node.func.value))
                if vocabulary is not None:
                    out += [(vocabulary, word, node.lineno) for word in _literals(node.args[0])]
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            vocabulary = CONTAINERS.get(_name(node.value))
            if vocabulary is not None:
                out += [(vocabulary, word, node.lineno) for word in _literals(node.slice)]
        elif isinstance(node, ast.Return) and module.startswith("influx/ingest/"):  # return (error kind, message)
            value = node.value
            if isinstance(value, ast.Tuple) and len(value.elts) == 2 and isinstance(value.elts[1], ast.JoinedStr | ast.Constant | ast.Call):  # fmt: skip
                out += [(ErrorKind, word, node.lineno) for word in _pair_kind(value)]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # SQL written in Python's text
            out += [(vocabulary, word, node.lineno) for vocabulary, word in sql_uses(node.value)]
    return out


# --- where a word is used: SQL (by pattern) ------------------------------------------------------

QUOTED = re.compile(r"'([^']*)'")
SQL_COLUMNS = {"status": VideoStatus, "error_kind": ErrorKind, "kind": CorrectionKind}


def sql_uses(text: str) -> list[tuple[type, str]]:
    """(vocabulary, word) for every word this SQL compares a column with, sets it to, or inserts."""
    out = []
    flags = re.I | re.S
    for column, vocabulary in SQL_COLUMNS.items():
        c = rf"(?<![\w.])(?:\w+\.)?{column}\b"  # the column, qualified or not (`kind`, not `error_kind`)
        for pattern in (rf"{c}\s*(?:=|<>|!=|IS\s+(?:NOT\s+)?DISTINCT\s+FROM)\s*'([^']*)'",
                        rf"'([^']*)'\s*(?:=|<>|!=)\s*{c}",
                        rf"{c}\s+VARCHAR\b[^,\n]*\bDEFAULT\s+'([^']*)'"):  # fmt: skip
            out += [(vocabulary, word) for word in re.findall(pattern, text, flags)]
        for items in re.findall(rf"{c}\s+(?:NOT\s+)?IN\s*\(([^()]*)\)", text, flags):
            out += [(vocabulary, word) for word in QUOTED.findall(items)]
        for body in re.findall(rf"\bCASE\b((?:(?!\bCASE\b|\bEND\b).)*)\bEND\s+AS\s+{column}\b", text, flags):
            out += [(vocabulary, word) for word in re.findall(r"\b(?:THEN|ELSE)\s+'([^']*)'", body, flags)]
    for word in re.findall(r"INTO\s+(?:undone_)?corrections\s*\(\s*kind\b[^)]*\)\s*(?:SELECT|VALUES\s*\()\s*'([^']*)'",
                           text, flags):  # fmt: skip
        out.append((CorrectionKind, word))
    out += [(Setting, w) for w in re.findall(r"\bFROM\s+settings\s+WHERE\s+name\s*=\s*'([^']*)'", text, flags)]
    for values in re.findall(r"\bINTO\s+settings\b[^;]*?\bVALUES\s*(.*?)(?:;|$)", text, flags):
        out += [(Setting, w) for w in re.findall(r"\(\s*'([^']*)'", values)]
    for word in re.findall(r"\bcolumn_name\s*=\s*'([^']*)'", text, flags):
        out.append(("vocabulary.column_name", word))
    return out


def every_use() -> list[tuple[object, str, str]]:
    """(vocabulary, word, where) over influx/**/*.py, influx/sql/**/*.sql and the review page."""
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(ROOT)
        out += [(v, w, f"{rel}:{line}") for v, w, line in python_uses(path.read_text(), rel.as_posix())]
    for path in sorted((PKG / "sql").rglob("*.sql")):
        out += [(v, w, str(path.relative_to(ROOT))) for v, w in sql_uses(path.read_text())]
    for path in sorted((PKG / "review" / "files").glob("*.html")):  # Jinja: v.status == "duplicate"
        words = re.findall(r"\bstatus\s*[!=]=\s*\"([^\"]*)\"", path.read_text())
        out += [(VideoStatus, w, str(path.relative_to(ROOT))) for w in words]
    return out


def _known(vocabulary, word: str) -> bool:
    if vocabulary == "vocabulary.column_name":
        return word in VOCABULARIES.values()
    return vocabulary.accepts(word) or word in vocabulary.__members__  # VideoStatus.OK: the member's name


def test_every_word_used_in_python_and_sql_is_in_the_vocabulary():
    uses = every_use()
    unknown = sorted({f"{getattr(v, '__name__', v)} {w!r} at {where}" for v, w, where in uses if not _known(v, w)})
    assert not unknown, "not in influx/vocabulary.py (add it there, with its meaning): " + "; ".join(unknown)
    # the scan finds what is there (a scan that finds nothing passes too)
    found = {(getattr(v, "__name__", v), w) for v, w, _ in uses}
    assert {("VideoStatus", "ok"), ("VideoStatus", "failed"), ("VideoStatus", "pending"), ("VideoStatus", "duplicate"),
            ("ErrorKind", "decode"), ("ErrorKind", "input"), ("CorrectionKind", "merge"), ("CorrectionKind", "move"),
            ("CorrectionKind", "not_influencer"), ("vocabulary.column_name", "videos.status"),
            ("ErrorKind", "TIMEOUT"), ("Setting", "MERGE_DISTANCE"), ("CorrectionKind", "MOVE")} <= found, found  # fmt: skip


def test_the_scan_catches_a_word_outside_the_vocabulary():
    """The scan on code that uses words influx does not have: every one is caught."""
    python = """
raise FetchError("bogus_kind", "message")
writer.failed(row, "bogus_failed", "why")
done(row, "bogus_status")
out.append(Outcome(row, error=("bogus_outcome", "message")))
if status == "bogus_compare" or kind in ("merge", "bogus_kind_in"):
    store.store_settings(con, {"bogus_setting": 1})
store.number_setting(con, "bogus_number", 0.5)
summary.statuses.get("bogus_get", 0)
ErrorKind.BOGUS_MEMBER
hint = "influx sql \\"SELECT * FROM videos WHERE status = 'bogus_hint'\\""
"""
    sql = """
SELECT * FROM videos v WHERE v.status IN ('ok', 'bogus_in') AND error_kind = 'bogus_sql_kind';
SELECT CASE WHEN x THEN 'bogus_case' ELSE status END AS status FROM videos;
SELECT 1 FROM corrections WHERE kind <> 'bogus_correction';
INSERT INTO settings VALUES ('bogus_sql_setting', '1');
SELECT 1 FROM vocabulary WHERE column_name = 'videos.bogus';
"""
    uses = [(v, w) for v, w, _ in python_uses(python, "influx/identity/x.py")] + sql_uses(sql)
    caught = sorted(w for v, w in uses if not _known(v, w))
    assert caught == sorted(["bogus_kind", "bogus_failed", "bogus_status", "bogus_outcome", "bogus_compare",
                             "bogus_kind_in", "bogus_setting", "bogus_number", "bogus_get", "BOGUS_MEMBER",
                             "bogus_hint", "bogus_in", "bogus_sql_kind", "bogus_case", "bogus_correction",
                             "bogus_sql_setting", "videos.bogus"]), caught  # fmt: skip


# --- the accepted-values checks ----------------------------------------------------------------


def _db(path: Path) -> Path:
    """A small influx file: a row of every status, failures of every error kind, a correction of
    every kind, every setting (what influx writes)."""
    con = store.connect(path)
    con.execute("INSERT INTO person_ids (influencer_id) VALUES (1), (2)")
    rows = [(i, f"v{i}.mp4", status, None) for i, status in enumerate(s for s in VideoStatus if s != "failed")]
    kinds = [k if k != ErrorKind.HTTP else http_kind(404) for k in ErrorKind]
    rows += [(100 + i, f"f{i}.mp4", VideoStatus.FAILED, kind) for i, kind in enumerate(kinds)]
    for row_index, url, status, kind in rows:
        con.execute("INSERT INTO videos (row_index, video_url, status, error_kind) VALUES (?, ?, ?, ?)",
                    [row_index, url, status, kind])  # fmt: skip
    con.execute("UPDATE videos SET duplicate_of = 1, sha256 = 'x' WHERE status IN ('duplicate', 'ok')")
    con.execute("UPDATE videos SET duplicate_of = NULL WHERE status = 'ok'")
    con.execute("INSERT INTO corrections (kind, influencer_id, target_id, row_index) VALUES"
                " ('merge', 1, 2, NULL), ('move', 1, 2, 1), ('not_influencer', 2, NULL, NULL)")  # fmt: skip
    store.store_settings(con, {name: 1 for name in Setting})
    con.close()
    return path


def test_a_file_with_every_word_influx_writes_opens(tmp_path):
    con = store.connect(_db(tmp_path / "all.duckdb"), read_only=True, verify=True)
    failed = {name: rows for name, rows in store.data_checks(con).items() if rows}
    assert not failed, failed
    assert dict(con.execute("SELECT column_name, count(*) FROM vocabulary GROUP BY 1").fetchall()) == {
        column: len(vocabulary) for vocabulary, column in VOCABULARIES.items()
    }
    con.close()


@pytest.mark.parametrize(
    "statement, check",
    [
        ("UPDATE videos SET status = 'archived' WHERE row_index = 0", "accepted_video_statuses"),
        ("INSERT INTO corrections (kind, influencer_id) VALUES ('split', 1)", "accepted_correction_kinds"),
    ],
)
def test_a_file_with_a_word_influx_does_not_write_is_refused_in_one_line(tmp_path, statement, check):
    path = _db(tmp_path / "crafted.duckdb")
    con = duckdb.connect(str(path))  # as someone else would, with plain DuckDB
    con.execute(statement)
    con.close()
    for args in (["people"], ["sql", "SELECT * FROM reliability"], ["report", "--out-dir", tmp_path / "out"]):
        result = CliRunner().invoke(cli, [*map(str, args), "--db", str(path)])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and f"fails influx's data check {check}" in lines[0], result.output
    assert not (tmp_path / "out").exists()


def test_a_file_of_an_earlier_version_opens_with_the_words_it_wrote(tmp_path):
    """The migrations an earlier influx had run (001-008), with the words influx wrote then: the
    file is upgraded and passes the accepted-values checks."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")  # fmt: skip
    for migration in sorted((PKG / "sql" / "migrations").glob("00[1-8]_*.sql")):
        con.execute(migration.read_text())
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [int(migration.name[:3]), migration.stem])  # fmt: skip
    con.execute("INSERT INTO videos (row_index, video_url, status, error_kind) VALUES (0, 'a', 'pending', NULL),"
                " (1, NULL, 'failed', 'input'), (2, 'c', 'failed', 'http_404'), (3, 'd', 'failed', 'decode'),"
                " (4, 'e', 'failed', 'too_slow'), (5, 'f', 'failed', 'crash'), (6, 'g', 'no_faces', NULL)")  # fmt: skip
    con.execute("INSERT INTO settings VALUES ('fps', '1.0'), ('max_frames', '30'), ('min_face', '40'),"
                " ('model', 'hog'), ('hog_threshold', '-0.5'), ('main_error', '0.12'), ('track_distance', '0.5'),"
                " ('merge_distance', '0.55'), ('campaign', 'spring')")  # fmt: skip
    con.close()
    con = store.connect(path, verify=True)  # migrated (009) and checked
    assert not {name: rows for name, rows in store.data_checks(con).items() if rows}
    con.close()


# --- one definition of the shared thresholds -------------------------------------------------------


def test_the_views_read_the_constants_python_defines(tmp_path):
    con = store.connect(tmp_path / "c.duckdb")
    got = con.execute("SELECT * FROM constants")
    row = dict(zip([d[0] for d in got.description], got.fetchone(), strict=True))
    assert {k: float(v) for k, v in row.items()} == {k: float(v) for k, v in CONSTANTS.as_dict().items()}
    con.close()
    for _, name, text in store.model():
        assert "{" not in text.split("\n", 1)[1].replace("{}", ""), name  # every {constants.NAME} written in
    assert CONSTANTS.copy_max_bits <= 7  # with more, two matching hashes may share no byte (copies' join key)


def test_a_constant_changed_in_python_changes_the_sql_and_the_methods_page(tmp_path, monkeypatch, request):
    """The uncertain margin: the view video_influencers and the PDF's words follow vocabulary.py."""
    from influx.report.methods import methods
    from influx.store import words

    changed = replace(CONSTANTS, uncertain_margin=0.25, copy_max_bits=5, copy_min_share=0.8)
    monkeypatch.setattr(words, "CONSTANTS", changed)
    store.model.cache_clear()  # the model is read once a process: read it again with the changed constants
    request.addfinalizer(store.model.cache_clear)  # and again after the test, with influx's own
    view = next(text for _, name, text in store.model() if name == "video_influencers")
    assert "margin < 0.25" in view and "0.05" not in view
    copies = next(text for _, name, text in store.model() if name == "copies")
    assert "<= 5\n" in copies and "0.8 * nl.frames" in copies
    con = store.connect(tmp_path / "m.duckdb")
    got = con.execute("SELECT * FROM constants")
    constants = dict(zip([d[0] for d in got.description], got.fetchone(), strict=True))
    con.close()
    text = " ".join(t for _, t in methods({}, constants))
    assert "is within 0.25 of its own person's" in text
    assert "64-bit difference hashes within 5 bits, 80% of frames, durations within 2 s or 10%" in text
    unchanged = " ".join(t for _, t in methods({}, CONSTANTS.as_dict()))
    assert "is within 0.05 of its own person's" in unchanged and "within 7 bits, 70% of frames" in unchanged


def test_every_macro_of_macros_sql_is_influx_s_own():
    text = (PKG / "sql" / "macros.sql").read_text()
    assert set(re.findall(r"CREATE OR REPLACE MACRO (\w+)", text)) == store.OWN_MACROS
    assert "face_quality" not in store.OWN_MACROS  # a TEMP macro: never stored, so never allowed in a file


def test_a_file_influx_wrote_stores_only_the_macros_an_earlier_influx_knows(tmp_path):
    """An earlier influx refuses a file holding a function it does not know: the macros stored in
    a file are the three every version has had; face_quality is made per connection."""
    path = _db(tmp_path / "written.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    stored = {n for (n,) in con.execute("SELECT function_name FROM duckdb_functions() WHERE NOT internal"
                                        " AND database_name = 'written'").fetchall()}  # fmt: skip
    con.close()
    assert stored == {"paulson", "paulson_cube_root", "koo_li"}, stored


def test_a_setting_or_error_kind_of_a_newer_influx_does_not_refuse_the_file(tmp_path):
    """Settings and error kinds change no number: a file a newer influx wrote, with a name this one
    does not know, still opens; statuses and correction kinds, which decide what is counted, do not."""
    path = _db(tmp_path / "newer.duckdb")
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO settings VALUES ('theme', 'dark')")
    con.execute("UPDATE videos SET error_kind = 'http_teapot' WHERE row_index = 100")
    con.close()
    result = CliRunner().invoke(cli, ["people", "--db", str(path)])
    assert result.exit_code == 0, result.output


def test_set_video_takes_the_columns_of_the_schema():
    assert store.video_columns() == set(store.expected_schema()[0]["videos"]) - {"row_index", "ingested_at"}
    assert {"status", "error_kind", "duplicate_of", "process_s"} <= store.video_columns()
