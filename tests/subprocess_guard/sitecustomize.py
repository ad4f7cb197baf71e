"""On PYTHONPATH only while a test not marked slow runs (tests/guard.py): the Python processes
that test starts refuse importing the real face models' packages too."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "influx_tests_guard", Path(__file__).resolve().parent.parent / "guard.py"
)
_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_guard)
_guard.install_in_subprocess()
