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


@pytest.mark.parametrize("where", ["influx.store.connection.create_views", "influx.cli.people.emit"])
def test_ctrl_c_inside_duckdb_is_an_interruption_not_an_error(make_clustered_db, monkeypatch, where):
    """Ctrl-C reaches influx from inside DuckDB as an error saying "Query interrupted": while the
    file is opened it is not a damaged file (exit 2), during a command not an internal error (1)."""
    from click.testing import CliRunner

    from influx.cli import cli

    path = make_clustered_db()

    def interrupted(*args, **kwargs):
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr("influx.cli.base.exit_now", lambda code: (_ for _ in ()).throw(SystemExit(code)))
    monkeypatch.setattr(where, interrupted)
    result = CliRunner().invoke(cli, ["people", "--db", str(path)])
    assert result.exit_code == 130 and "Interrupted" in result.output, result.output
    assert "damaged" not in result.output and "internal error" not in result.output
