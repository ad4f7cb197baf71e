"""influx's tests (docs/development.md). Imported before conftest.py and every test module."""

import sys

# Where PYTHONDONTWRITEBYTECODE is set (these machines), each test process would compile influx and
# pytest would rewrite the asserts of every test module again on every run: seconds of CPU in each
# worker before its first test. The test processes keep Python's and pytest's caches (__pycache__,
# ignored by git) as they do by default, and the `influx` processes that tests start read them.
sys.dont_write_bytecode = False
