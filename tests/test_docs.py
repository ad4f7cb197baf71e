"""The README documents every command, option, table, view, column, macro and error kind: adding
one without documenting it fails here (as sqlite-utils' tests/test_docs.py does for its commands)."""

import re
from pathlib import Path

import pytest

from influx import store
from influx.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def documented(word: str) -> bool:
    """`word` appears as a word inside a `code span` of the README."""
    return re.search(rf"`[^`\n]*(?<![\w-]){re.escape(word)}(?![\w-])[^`\n]*`", README) is not None


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_its_options(name):
    assert f"influx {name}" in README, name
    for param in cli.commands[name].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert documented(opt), f"influx {name} {opt}"


def test_every_table_and_column():
    for table, columns in store.expected_schema()[0].items():
        assert documented(table), table
        for column in columns:
            assert documented(column) or documented(f"{table}.{column}"), f"{table}.{column}"


def test_every_view_and_column(tmp_path):
    con = store.connect(tmp_path / "d.duckdb")
    views = [re.search(r"CREATE OR REPLACE VIEW (\w+)", p.read_text()).group(1)
             for p in sorted((store.sql_dir() / "views").glob("*.sql"))]  # fmt: skip
    for view in views:
        assert documented(view), view
        for column, *_ in con.execute(f"DESCRIBE {view}").fetchall():
            assert documented(column), f"{view}.{column}"
    con.close()


def test_every_macro():
    for macro in store.OWN_MACROS:
        assert documented(macro), macro


def error_kinds() -> set[str]:
    """Every error_kind the code can store."""
    code = "\n".join(p.read_text() for p in (ROOT / "influx").rglob("*.py"))
    kinds = set(re.findall(r'FetchError\(\s*"([a-z_0-9]+)"', code))
    kinds |= set(re.findall(r'error=\("([a-z_]+)"', code))  # executors: Outcome(..., error=(kind, message))
    for module in ("workers.py", "dask_executor.py"):  # return (kind, message)
        kinds |= set(
            re.findall(r'return "([a-z_]+)", (?:f?"|str\()', (ROOT / "influx" / "ingest" / module).read_text())
        )
    kinds |= set(re.findall(r"CASE WHEN i\.video_url IS NULL THEN '([a-z_]+)' END", (store.sql_dir() / "queries" / "insert_rows.sql").read_text()))  # fmt: skip
    return kinds


def test_every_error_kind():
    kinds = error_kinds()
    assert {"decode", "crash", "too_slow", "input", "fetch", "dns", "redirect_refused"} <= kinds  # the scan works
    for kind in kinds - {"interrupted", "disk_full"}:  # never stored: the run stops or the row stays pending
        assert documented(kind), kind
    assert documented("http_404")  # f"http_{code}"
