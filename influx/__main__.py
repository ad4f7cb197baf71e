"""`python -m influx`: the influx command."""

from influx.cli import main

main()
