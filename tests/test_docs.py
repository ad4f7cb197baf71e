"""The docs against the code. The README stays short; the generated parts of docs/cli.md and
docs/database.md (the commands' help, the tables, views, macros and checks) are not stale; and the
hand-written docs name every command, option, table, view, column, macro and error kind, so that
adding one without documenting it fails here (as sqlite-utils' tests/test_docs.py does for its
commands)."""

import re
from pathlib import Path

import pytest

from docs import generate
from influx import store
from influx.cli import cli
from influx.vocabulary import ErrorKind

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def hand_written(path: Path) -> str:
    """A page without its generated parts."""
    return generate.MARKERS.sub("", path.read_text())


ALL = "\n".join(hand_written(p) for p in PAGES)
DATABASE = hand_written(DOCS / "database.md")
HOW = hand_written(DOCS / "how-it-works.md")


def documented(word: str, text: str = ALL) -> bool:
    """`word` appears as a word inside a `code span` of `text`."""
    return re.search(rf"`[^`\n]*(?<![\w-]){re.escape(word)}(?![\w-])[^`\n]*`", text) is not None


def test_the_readme_is_short():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= 10_000, f"README.md is {size:,} bytes: move detail into docs/"


def test_the_generated_parts_are_current():
    pages = generate.expected()
    assert {p.name for p in pages} == {"cli.md", "database.md"}
    stale = [p.name for p, text in pages.items() if p.read_text() != text]
    assert not stale, f"stale: {stale} (run: uv run python docs/generate.py)"


def test_the_cli_reference_holds_every_commands_help():
    reference = (DOCS / "cli.md").read_text()
    for name in cli.commands:
        assert f"### `influx {name}`" in reference and f"Usage: influx {name} " in reference, name


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _links(path: Path):
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if not re.match(r"[a-z]+:", target):
            yield target


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_links_between_the_pages_resolve(path):
    for target in _links(path):
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{path.name}: {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", dest.read_text(), flags=re.M)
            assert anchor in {_slug(h) for h in headings}, f"{path.name}: {target}"


def test_the_readme_shows_the_review_page():
    assert "(docs/review.png)" in (ROOT / "README.md").read_text() and (DOCS / "review.png").exists()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_its_options(name):
    assert f"influx {name}" in ALL, name
    for param in cli.commands[name].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert documented(opt), f"influx {name} {opt}"


def test_every_table_and_column():
    """Each table is explained in docs/database.md; each column by its comment in the migration
    (shown in the generated reference) or, where the migration has none, by name in the notes."""
    tables = store.expected_schema()[0]
    _, comments = generate.migration_notes()
    assert len(tables) >= 14 and sum(bool(c) for _, c in comments.values()) >= 50  # the scans work
    for table, columns in tables.items():
        assert documented(table, DATABASE), table
        for column in columns:
            commented = comments.get((table, column), ("", ""))[1]
            assert commented or documented(column, DATABASE) or documented(f"{table}.{column}", DATABASE), (
                f"{table}.{column}: no comment in its migration, and not in docs/database.md's notes"
            )


def test_every_view_and_column(tmp_path):
    """Each view is explained in docs/database.md; each column by its view file's comment, or by name
    in the hand-written docs."""
    con = store.connect(tmp_path / "d.duckdb")
    views = generate._view_files()
    assert len(views) >= 6
    for view, path in views:
        assert documented(view, DATABASE), view
        described = generate.view_comments(path)[1]
        for column, *_ in con.execute(f"DESCRIBE {view}").fetchall():
            assert described.get(column) or documented(column), f"{view}.{column}"
    con.close()


def test_every_macro():
    assert store.OWN_MACROS
    for macro in store.OWN_MACROS:
        assert documented(macro, DATABASE), macro


def error_kinds() -> set[str]:
    """Every error_kind influx can store: the vocabulary (tests/test_vocabulary.py checks the code
    and SQL use no other)."""
    return {kind.value for kind in ErrorKind}


def test_every_error_kind():
    kinds = error_kinds()
    assert {"decode", "crash", "too_slow", "input", "fetch", "dns", "redirect_refused"} <= kinds  # the scan works
    for kind in kinds - {"interrupted", "disk_full", "http"}:  # never stored: the run stops or the row stays pending
        assert documented(kind, HOW), kind
    assert documented("http_404", HOW)  # f"http_{code}"
