"""The `influx` commands that show people and correct them: people, rename, merge, unmerge, move,
not-influencer, corrections, undo. Each correction prints what changed and how to undo it."""

from __future__ import annotations

import shlex

import click

from influx import store
from influx.cli.base import db_option, fail, open_ro, open_rw, say
from influx.identity import corrections, suggestions
from influx.output import display_name, emit, format_option, plural
from influx.vocabulary import CorrectionKind


def _run(db_path: str, action):
    """Open the database for writing, run `action(con)`, turn PeopleError into one clear line."""
    con = open_rw(db_path)
    try:
        return action(con)
    except corrections.PeopleError as e:
        fail(str(e))
    finally:
        con.close()


def _who(con, influencer_id) -> str:
    got = con.execute(store.sql("people.person_name_and_videos"), [influencer_id]).fetchone()
    if got is None:
        return f"#{influencer_id}"
    shown = display_name(got[0], 80)
    name = f" ({shown})" if shown else ""
    return f"#{influencer_id}{name}, influencer of {plural(got[1], 'video')}"


@click.command("people")
@db_option
@click.option("--suggest-merges", is_flag=True, help="List pairs that may be one person split in two.")
@click.option("--max-distance", type=click.FloatRange(0, 2),
              help=f"With --suggest-merges (default {suggestions.LOOKALIKE:g}).")  # fmt: skip
@format_option
def people_cmd(db_path, suggest_merges, max_distance, fmt):
    """List the people found: id, name, videos (decoded, duplicates apart), faces."""
    if max_distance is not None and not suggest_merges:
        fail("--max-distance goes with --suggest-merges (the distance below which two people are suggested)")
    con = open_ro(db_path)
    if not con.execute(store.sql("people.any_person_ids")).fetchone()[0]:
        say(f"no people yet in {db_path}: run `influx cluster` first")
    if suggest_merges:
        distance = suggestions.LOOKALIKE if max_distance is None else max_distance
        pairs = suggestions.suggest_merges(con, distance, limit=1000)
        names = dict(con.execute(store.sql("people.person_names")).fetchall())
        rows = [(a, names.get(a), b, names.get(b), round(d, 3)) for a, b, d in pairs]
        emit(["influencer_id_a", "name_a", "influencer_id_b", "name_b", "distance"], rows, fmt,
             "possible merges (influx merge FROM INTO)")  # fmt: skip
        if pairs:
            say("faces side by side: the contact sheet written by `influx report` (people.html)")
        return
    rel = con.execute(store.sql("people.people_listing"))
    emit([d[0] for d in rel.description], rel.fetchall(), fmt)  # the database's own column names


@click.command("rename")
@click.argument("influencer_id", type=int)
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Remove the person's name instead.")
@db_option
def rename_cmd(influencer_id, name, clear, db_path):
    """Give a person a name (kept when clustering again); --clear removes it."""
    if clear == (name is not None):
        fail("give a NAME, or --clear to remove the name (not both)")
    if not clear and not name.strip():
        fail("a name needs a visible character (to remove a name: influx rename ID --clear)")
    old = _run(db_path, lambda con: corrections.rename(con, influencer_id, None if clear else name))
    back = f"influx rename {influencer_id} {shlex.quote(old)}" if old else f"influx rename {influencer_id} --clear"
    new = "without a name" if clear else f"named {display_name(name, 200)!r}"
    say(f"person {influencer_id} is now {new}; undo: {back}")


@click.command("merge")
@click.argument("from_id", type=int)
@click.argument("into_id", type=int)
@db_option
def merge_cmd(from_id, into_id, db_path):
    """Make FROM_ID's faces INTO_ID's (kept when clustering again; undo: influx undo N)."""

    def action(con):
        return corrections.merge(con, from_id, into_id), _who(con, into_id)

    correction, who = _run(db_path, action)
    say(f"merged #{from_id} into {who}; undo: influx undo {correction}")


@click.command("unmerge")
@click.argument("influencer_id", type=int)
@db_option
def unmerge_cmd(influencer_id, db_path):
    """Undo every merge into or of INFLUENCER_ID: the people are separate again."""

    def action(con):
        ids = corrections.unmerge(con, influencer_id)
        return [_who(con, i) for i in sorted({influencer_id, *ids})]

    lines = _run(db_path, action)
    for line in lines:
        say(f"separate again: {line}")
    say("the merges taken back are kept: influx corrections lists them; influx merge FROM INTO joins them again")


@click.command("move")
@click.argument("row_index", type=int)
@click.option("--to", "to", required=True, help="The person's id, or `new` for someone not yet known.")
@db_option
def move_cmd(row_index, to, db_path):
    """Make another person (or a new one) the influencer of video ROW_INDEX."""
    if to != "new" and not to.isdigit():
        fail(f"--to must be a person's id or `new`, not {to!r}")

    def action(con):
        old, new, correction = corrections.move(con, row_index, None if to == "new" else int(to))
        return old, _who(con, new), correction

    old, new, correction = _run(db_path, action)
    say(f"row {row_index}: influencer #{old} → {new}; undo: influx undo {correction}")


@click.command("not-influencer")
@click.argument("influencer_id", type=int)
@db_option
def not_influencer_cmd(influencer_id, db_path):
    """Mark a person as never a video's influencer (a crew member, a stock face)."""

    def action(con):
        before = con.execute(store.sql("people.person_videos"), [influencer_id]).fetchone()
        correction = corrections.not_influencer(con, influencer_id)
        return (before[0] if before else 0), correction

    n, correction = _run(db_path, action)
    say(f"#{influencer_id} is not an influencer: {plural(n, 'video')} now credited to the next"
        f" person on screen, if any; undo: influx undo {correction}")  # fmt: skip


@click.command("corrections")
@db_option
@format_option
def corrections_cmd(db_path, fmt):
    """List the corrections made (merge, move, not-influencer), applied in this order."""
    con = open_ro(db_path, verify=False)  # also where a bad correction is to be found and undone
    emit(corrections.CORRECTION_COLUMNS, corrections.list_corrections(con), fmt)


@click.command("undo")
@click.argument("correction_id", type=int)
@db_option
def undo_cmd(correction_id, db_path):
    """Delete one correction (see: influx corrections) and apply the others again."""
    kind, person, target, row = _run(db_path, lambda con: corrections.undo(con, correction_id))
    what = {CorrectionKind.MERGE: f"merge of #{person} into #{target}",
            CorrectionKind.MOVE: f"move of row {row} to #{target}",
            CorrectionKind.NOT_INFLUENCER: f"#{person} marked not an influencer"}.get(kind, kind)  # fmt: skip
    say(f"undone: {what} (kept in influx corrections as undone; to redo it, run the command again)")


COMMANDS = [people_cmd, rename_cmd, merge_cmd, unmerge_cmd, move_cmd, not_influencer_cmd, corrections_cmd, undo_cmd]
