"""House rules that keep the code base simple: SQL lives in influx/sql/ and is run through
influx.store, modules stay small, the top of the package holds only a few modules, and imports go
one way between the packages of the pipeline (the list below, lowest first)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "influx"
MODULES = sorted(PKG.rglob("*.py"))
SQL = re.compile(r"^\s*((SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|SET|PRAGMA|COPY|ATTACH)\s+\S|CHECKPOINT)")

# The packages in pipeline order: a package may import itself and the packages before it, never
# one after it. `vocabulary` (words and shared numbers) and `output` (text for terminals and files)
# are modules at the top, used by all.
ORDER = ["vocabulary", "output", "store", "faces", "identity", "ingest", "report", "demo", "review", "cli"]
# dask_executor: the --preload name of Dask workers
TOP = {"__init__", "__main__", "vocabulary", "output", "dask_executor"}


def _strings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_sql_in_python_outside_the_store():
    found = []
    for path in MODULES:
        if path.parent.name == "store":
            continue
        for line, text in _strings(ast.parse(path.read_text())):
            if SQL.match(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text.strip()[:60]}")
    assert not found, "SQL belongs in influx/sql/ (run with influx.store): " + "; ".join(found)


def test_no_module_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES if (n := len(p.read_text().splitlines())) > 300}
    assert not long, long


def test_the_top_holds_at_most_five_modules_and_the_code_is_in_packages():
    top = {p.stem for p in PKG.glob("*.py")}
    assert top <= TOP and len(top) <= 5, top
    packages = {p.parent.relative_to(PKG).parts[0] for p in PKG.glob("*/__init__.py")}
    assert packages == set(ORDER) - {"vocabulary", "output"}, packages


def _package(module: str) -> str | None:
    """`influx.ingest.fetch` -> `ingest`; `influx.output` -> `output`."""
    parts = module.split(".")
    return parts[1] if parts[0] == "influx" and len(parts) > 1 else None


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:  # `from influx.report import files` imports the module influx.report.files
                sub = f"{node.module}.{a.name}"
                out.add(sub if (PKG.parent / (sub.replace(".", "/") + ".py")).exists()
                        or (PKG.parent / sub.replace(".", "/")).is_dir() else node.module)  # fmt: skip
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path.relative_to(ROOT)}: relative import (use `from influx.x import y`)")
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_imports_go_one_way_between_packages():
    wrong = []
    for path in MODULES:
        rel = path.relative_to(PKG)
        me = rel.parts[0] if len(rel.parts) > 1 else path.stem
        if me not in ORDER:
            continue  # __init__, __main__, dask_executor: entry points
        for module in _imports(path):
            other = _package(module)
            if other in ORDER and ORDER.index(other) > ORDER.index(me):
                wrong.append(f"{rel} ({me}) imports {module} ({other} comes later)")
    assert not wrong, wrong


def test_no_import_cycle_between_modules():
    graph = {}
    for path in MODULES:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = {m for m in _imports(path) if m.startswith("influx")}
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(node) :] + [node]))
        if node in seen or node not in graph:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt != node and not node.startswith(nxt + "."):  # a module's own package (__init__) is fine
                visit(nxt)
        stack.pop()
        seen.add(node)

    for node in sorted(graph):
        visit(node)
