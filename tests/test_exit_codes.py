"""The one mapping of errors to exit codes (influx/cli/base.py), as every command uses it."""

import duckdb
import pytest

from influx import store
from influx.cli.base import ExitCode, exit_code
from influx.ingest.csv_input import InputError
from influx.ingest.dask_executor import SchedulerLost
from influx.ingest.pipeline import StorageError


@pytest.mark.parametrize(
    "error, code",
    [
        (InputError("row 3: no URL"), ExitCode.REFUSED),
        (store.BadDatabase("crafted"), ExitCode.REFUSED),
        (store.DatabaseInUse("busy"), ExitCode.REFUSED),
        (StorageError("videos folder full"), ExitCode.REFUSED),
        (FileNotFoundError(2, "No such file", "x.duckdb"), ExitCode.REFUSED),
        (store.DiskFull("x.duckdb"), ExitCode.FAILED),
        (duckdb.IOException("No space left on device"), ExitCode.FAILED),
        (SchedulerLost("the scheduler went away"), ExitCode.FAILED),
        (ZeroDivisionError("nobody foresaw"), ExitCode.FAILED),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError("Query interrupted"), ExitCode.INTERRUPTED),
        (duckdb.InterruptException("INTERRUPT Error: Interrupted!"), ExitCode.INTERRUPTED),
    ],
)
def test_each_error_has_one_exit_code(error, code):
    assert exit_code(error) == code, (error, exit_code(error), code)


def test_the_codes_are_the_documented_numbers():
    assert (ExitCode.OK, ExitCode.FAILED, ExitCode.REFUSED, ExitCode.INTERRUPTED) == (0, 1, 2, 130)
