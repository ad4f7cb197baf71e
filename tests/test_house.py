"""House rules that keep the code base simple: SQL lives in sql/ and is run through db.py, modules
stay small, and imports go one way (cli, then the steps, then the helpers they use)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "influx").glob("*.py"))
SQL = re.compile(r"^\s*((SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|SET|PRAGMA|COPY|ATTACH)\s+\S|CHECKPOINT)")


def _strings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_sql_in_python_outside_the_data_access_module():
    found = []
    for path in MODULES:
        if path.name == "db.py":
            continue
        for line, text in _strings(ast.parse(path.read_text())):
            if SQL.match(text):
                found.append(f"{path.name}:{line}: {text.strip()[:60]}")
    assert not found, "SQL belongs in sql/ (run with db.query): " + "; ".join(found)


def test_no_module_over_400_lines():
    long = {p.name: n for p in MODULES if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long


# Each module's layer: a module may import only modules of a lower layer (or of its own, listed
# in SAME_LAYER), so the dependencies go one way and there are no cycles.
LAYERS = {
    "cli": 5, "cli_people": 4, "cli_cluster": 4, "cli_base": 3, "demo": 4,
    "ingest": 3, "report": 3, "contact_sheet": 2, "methods": 2, "cluster": 3, "people": 2, "grouping": 1,
    "executors": 2, "dask_executor": 2, "writer": 2, "workers": 2, "faces": 1, "models": 0, "resnet_onnx": 0, "frames": 0,
    "fetch": 0, "deadline": 0, "linking": 0, "files": 0, "tables": 1, "downloads": 0, "csv_input": 0, "db": 0, "output": 0, "images": 0, "fonts": 0, "chart": 1, "synth": 2,
    "review": 3, "review_app": 4,
}  # fmt: skip
SAME_LAYER = {("dask_executor", "executors"), ("executors", "workers"),
              ("report", "contact_sheet"), ("ingest", "dask_executor"), ("ingest", "executors"),
              ("ingest", "writer"), ("report", "methods"), ("cli_people", "cli_base"), ("cli_cluster", "cli_base"), ("demo", "cli_base"), ("models", "resnet_onnx"), ("fetch", "deadline"), ("fetch", "downloads")}  # fmt: skip


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
    return out


def test_imports_go_one_way():
    assert {p.stem for p in MODULES} - {"__init__"} <= set(LAYERS), "give the new module a layer in LAYERS"
    wrong = []
    for path in MODULES:
        me = path.stem
        if me == "__init__":
            continue
        for other in _imports(path):
            if LAYERS[other] >= LAYERS[me] and (me, other) not in SAME_LAYER:
                wrong.append(f"{me} (layer {LAYERS[me]}) imports {other} (layer {LAYERS[other]})")
    assert not wrong, wrong
