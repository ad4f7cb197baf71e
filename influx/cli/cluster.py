"""The `influx cluster` command and its options (shared with `influx run`)."""

from __future__ import annotations

import click
import duckdb

from influx import store
from influx.cli.base import ExitCode, console, db_option, fail, open_rw
from influx.identity.cluster import MERGE_DISTANCE, ClusterOptions, MixedEncoders, cluster
from influx.identity.linking import METHODS
from influx.output import plural
from influx.vocabulary import SETTING_RANGES, Setting


def cluster_options(f):
    f = click.option("--track-distance", type=click.FloatRange(*SETTING_RANGES[Setting.TRACK_DISTANCE]),
                     default=ClusterOptions.track_distance, show_default=True,
                     help="Faces of one video closer than this are one person.")(f)  # fmt: skip
    f = click.option("--merge-distance", type=click.FloatRange(*SETTING_RANGES[Setting.MERGE_DISTANCE]),
                     default=MERGE_DISTANCE, show_default=True, help="The loosest join of videos into one person"
                     " (linkage tightens it where the library is crowded).")(f)  # fmt: skip
    f = click.option("--method", type=click.Choice(METHODS), default=ClusterOptions.method, show_default=True,
                     help="linkage: average linkage, crowd-dependent threshold; hdbscan: HDBSCAN; fixed: the fixed"
                     " --merge-distance of earlier versions (for comparison).")(f)  # fmt: skip
    return f


def run_cluster(db_path: str, track_distance: float, merge_distance: float, method: str = "linkage") -> None:
    con = open_rw(db_path)
    try:
        with console.status("clustering faces"):
            opts = ClusterOptions(track_distance=track_distance, merge_distance=merge_distance, method=method)
            s = cluster(con, opts)
    except MixedEncoders as e:
        fail(str(e))
    except (duckdb.Error, OSError) as e:
        if not store.disk_full(e):
            raise
        fail(f"{db_path}: {store.DiskFull(db_path).strerror} ({store.first_line(e)})", ExitCode.FAILED)
    finally:
        con.close()
    console.print(
        f"influx cluster → {db_path}: {plural(s.faces, 'face')} in {plural(s.appearances, 'appearance')}"
        f" → {plural(s.people, 'person', 'people')}, {s.influencers} of them the influencer of at least one"
        f" video; {plural(s.videos_with_influencer, 'video')} with an influencer, {s.uncertain} of them"
        f" uncertain; ids kept {s.kept_ids}, new {s.new_ids}",
        highlight=False, markup=False,
    )  # fmt: skip


@click.command("cluster")
@db_option
@cluster_options
def cluster_cmd(db_path, track_distance, merge_distance, method):
    """Group the faces into people and pick each video's influencer."""
    run_cluster(db_path, track_distance, merge_distance, method)
