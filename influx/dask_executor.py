"""`dask worker --preload influx.dask_executor`: the name Dask workers are started with, and the
module's public names as before the move (the code is in influx/ingest/dask_executor.py)."""

from influx.ingest.dask_executor import DaskExecutor, SchedulerLost, check_address, dask_setup, run_row

__all__ = ["DaskExecutor", "SchedulerLost", "check_address", "dask_setup", "run_row"]
