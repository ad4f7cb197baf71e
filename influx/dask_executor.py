"""`dask worker --preload influx.dask_executor`: the name Dask workers are started with (the code
is in influx/ingest/dask_executor.py)."""

from influx.ingest.dask_executor import dask_setup

__all__ = ["dask_setup"]
