"""The `influx` command: a thin click layer over the library (one module per group of commands)."""

from __future__ import annotations

import click

from influx.cli.base import Commands
from influx.cli.cluster import cluster_cmd
from influx.cli.ingest import demo_cmd, ingest_cmd, run_cmd
from influx.cli.people import COMMANDS as PEOPLE_COMMANDS
from influx.cli.report import report_cmd, review_cmd, sql_cmd


@click.group(cls=Commands)
@click.version_option(package_name="influx")
def cli():
    """influx: who are the people in these influencer videos, and how well do they perform?"""


for _command in (ingest_cmd, cluster_cmd, *PEOPLE_COMMANDS, report_cmd, run_cmd, demo_cmd, review_cmd, sql_cmd):
    cli.add_command(_command)


def main():
    cli()


if __name__ == "__main__":
    main()
