"""The database: connection, SQL files, migrations, schema and data checks, settings, vectors."""

from influx.store.checks import data_checks, first_failure, verify_data
from influx.store.connection import DatabaseInUse, DiskFull, connect, disk_full, first_line, limit_memory, transaction
from influx.store.migrations import create_views, derive, migrate, model, refresh_quantiles
from influx.store.schema import OWN_MACROS, BadDatabase, check, check_tables, expected_schema
from influx.store.settings import number_setting, setting, store_settings
from influx.store.sqlfiles import sql, sql_dir
from influx.store.vectors import fetch_vectors
from influx.store.videos import forget_videos, move_video, set_video, video_columns

__all__ = [
    "BadDatabase",
    "DatabaseInUse",
    "DiskFull",
    "OWN_MACROS",
    "check",
    "check_tables",
    "connect",
    "create_views",
    "derive",
    "first_failure",
    "model",
    "data_checks",
    "disk_full",
    "expected_schema",
    "fetch_vectors",
    "first_line",
    "forget_videos",
    "limit_memory",
    "migrate",
    "move_video",
    "number_setting",
    "refresh_quantiles",
    "set_video",
    "setting",
    "sql",
    "sql_dir",
    "store_settings",
    "transaction",
    "verify_data",
    "video_columns",
]
