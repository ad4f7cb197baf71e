import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from influx import store
from influx.cli import cli
from influx.identity import corrections, suggestions
from influx.identity.cluster import ClusterOptions, cluster
from influx.identity.grouping import (
    _components,
    appearances,
    assign,
    average_linkage,
    constrained_average_linkage,
    group,
)
from influx.identity.grouping import condensed as _condensed
from tests.builders import CENTRES, FOUR, REAL_MODEL, campaign, person_faces, synthetic_db, synthetic_faces
from tests.conftest import ro


def test_people_are_apart_and_faces_close():
    rng = np.random.default_rng(1)
    d_same = np.linalg.norm(person_faces(0, 1, rng) - person_faces(0, 1, rng))
    d_diff = np.linalg.norm(CENTRES[0] - CENTRES[1])
    assert d_same < 0.4 < 0.6 < d_diff


def test_linkage_never_joins_a_conflict():
    d = np.array([[0, 0.1, 0.2], [0.1, 0, 0.1], [0.2, 0.1, 0]])
    conflict = np.zeros((3, 3), dtype=bool)
    conflict[0, 2] = conflict[2, 0] = True
    label = constrained_average_linkage(d, conflict, 0.5)
    assert label[0] != label[2] and len(set(label)) == 2


def test_average_linkage_without_cannot_links_is_the_greedy_one():
    """SciPy's nearest-neighbour chain (used where a component has no cannot-link) stops where the
    greedy loop does, with groups numbered by their first member."""
    rng = np.random.default_rng(3)
    for trial in range(40):
        k, n = int(rng.integers(2, 12)), int(rng.integers(2, 120))
        centres = rng.normal(0, 0.09, (k, 128)) * rng.uniform(0.3, 1.0)
        points = centres[rng.integers(k, size=n)] + rng.normal(0, rng.uniform(0.01, 0.04), (n, 128))
        none = np.zeros((n, n), dtype=bool)
        for threshold in (0.3, 0.55, 0.8):
            greedy = constrained_average_linkage(
                np.linalg.norm(points[:, None] - points[None], axis=2), none, threshold
            )
            assert (average_linkage(points, threshold) == greedy).all(), (trial, threshold)
            by_component = group(points, threshold)  # numbered component by component: compare partitions
            assert len(set(zip(by_component, greedy, strict=True))) == len(set(greedy)) == len(set(by_component))


def test_condensed_distances_are_scipys_pdist_in_any_block_size():
    from scipy.spatial.distance import pdist

    points = np.random.default_rng(5).normal(0, 0.1, (61, 128))
    for block in (0, 1, 7, 60, 100):
        assert np.allclose(_condensed(points, block), pdist(points), atol=1e-12)


def test_components_join_exactly_the_pairs_within_the_radius():
    rng = np.random.default_rng(4)
    points = rng.normal(0, 0.05, (300, 128))
    points[150:] += 0.5  # two clouds, far apart
    d = np.linalg.norm(points[:, None] - points[None], axis=2)
    for radius in (0.4, 0.6, 0.9):
        comp = _components(points, radius)
        from scipy.sparse.csgraph import connected_components

        expected = connected_components(d < radius, directed=False)[1]
        assert len(set(zip(comp, expected, strict=True))) == len(set(comp)) == len(set(expected))


def test_appearances_never_join_two_faces_of_one_frame():
    frames = np.array([0, 0, 1, 1, 2])
    rng = np.random.default_rng(2)
    emb = np.vstack(
        [person_faces(0, 2, rng), person_faces(0, 1, rng), person_faces(1, 1, rng), person_faces(0, 1, rng)]
    )
    t = appearances(frames, emb, 0.5)
    assert t[0] != t[1]  # same frame: two appearances even though both look like person 0
    assert t[3] not in (t[0], t[1], t[2], t[4])  # person 1 is apart
    assert {t[2], t[4]} <= {t[0], t[1]}  # person 0's other faces join one of the two


def test_main_people_grouped_across_videos_second_people_attached():
    videos = [
        [(f, 0, 120) for f in range(5)],
        [(f, 0, 100) for f in range(5)] + [(2, 1, 40)],  # person 1 seen once, small, beside person 0
        [(f, 1, 110) for f in range(4)],
        [(f, 2, 90) for f in range(3)],  # person 2: only one video, still a person
        [(0, 3, 50)],  # a single small face, the only face of its video: still its influencer
    ]
    rows, frames, sizes, emb = synthetic_faces(videos)
    g = assign(rows, frames, sizes, emb, ClusterOptions())
    main = {r: int(g.person[(rows == r) & g.main][0]) for r in range(5)}
    assert main[0] == main[1] != main[2]
    assert len({main[0], main[2], main[3], main[4]}) == 4
    assert g.person[(rows == 1) & (sizes == 40)][0] == main[2]  # the second face joins person 1


def _canonical(labels) -> list[int]:
    """Labels renamed by first appearance (-1, nobody, kept): equal for equal partitions."""
    names: dict = {}
    return [-1 if x == -1 else names.setdefault(x, len(names)) for x in labels]


def test_grouping_does_not_depend_on_the_order_of_videos_and_faces():
    """The same faces handed over in another order (rows renumbered, each frame's faces swapped)
    give the same people, tracks and main faces: also the close calls of look-alikes between
    persons 0 and 1, which an order-dependent grouping (first come, first served) decides by order."""
    videos = [[(f, p % 4, 100) for f in range(4)] + [(1, (p + 1) % 4, 50)] for p in range(12)]
    rows, frames, sizes, emb = synthetic_faces(videos)
    rng = np.random.default_rng(7)
    for k, t in enumerate((0.3, 0.45, 0.55, 0.7)):  # four more videos, between persons 0 and 1
        centre = (1 - t) * CENTRES[0] + t * CENTRES[1]
        rows = np.r_[rows, [len(videos) + k] * 4]
        frames, sizes = np.r_[frames, range(4)], np.r_[sizes, [100.0] * 4]
        emb = np.vstack([emb, centre + rng.normal(0, 0.02, (4, 128))])
    first = assign(rows, frames, sizes, emb, ClusterOptions())
    assert len(set(first.person[first.main])) >= 3, "three people at least: the test is not trivial"
    for seed in range(6):
        renumber = np.random.default_rng(seed).permutation(rows.max() + 1)  # old row -> new row
        order = np.lexsort((np.random.default_rng(seed).random(len(rows)), frames, renumber[rows]))
        g = assign(renumber[rows][order], frames[order], sizes[order], emb[order], ClusterOptions())
        back = np.empty_like(order)
        back[order] = np.arange(len(order))  # face i of the first call is face back[i] of this one
        assert _canonical(g.person[back]) == _canonical(first.person), f"people differ in order {seed}"
        assert _canonical(g.track[back]) == _canonical(first.track), f"tracks differ in order {seed}"
        assert (g.main[back] == first.main).all(), f"main faces differ in order {seed}"


def test_a_lone_small_face_beside_the_main_person_is_unlabelled():
    rows, frames, sizes, emb = synthetic_faces(
        [[(f, 0, 150) for f in range(6)] + [(3, 4, 45)], [(f, 0, 150) for f in range(6)]]
    )
    g = assign(rows, frames, sizes, emb, ClusterOptions())
    assert g.person[sizes == 45][0] == -1


# ---- ids, names and corrections on a database of synthetic faces -----------------------


def labels(con):
    return dict(con.execute("SELECT row_index, influencer_id FROM video_influencers ORDER BY 1").fetchall())


def test_an_option_changed_and_changed_back_restores_people_ids_and_names(tmp_path):
    con = synthetic_db(tmp_path / "h.duckdb", FOUR)
    cluster(con)
    before = labels(con)
    assert len(set(before.values())) == 4
    corrections.rename(con, before[1], "Barack")
    cluster(con, ClusterOptions(merge_distance=1.2))  # everyone in one person
    assert len(set(labels(con).values())) == 1
    cluster(con)
    assert labels(con) == before
    assert con.execute("SELECT name FROM influencers WHERE influencer_id = ?", [before[1]]).fetchone()[0] == "Barack"


def test_ids_are_one_to_one_and_new_people_get_new_ids(tmp_path):
    con = synthetic_db(tmp_path / "i.duckdb", FOUR)
    cluster(con, ClusterOptions(merge_distance=1.2))
    (only,) = set(labels(con).values())
    cluster(con)
    got = labels(con)
    assert len(set(got.values())) == 4 and only in got.values()  # one group keeps the old id, no two share it


def test_merge_unmerge_and_survive_reclustering(tmp_path):
    con = synthetic_db(tmp_path / "m.duckdb", FOUR)
    cluster(con)
    before = labels(con)
    a, b = before[0], before[1]
    corrections.merge(con, a, b)
    assert labels(con)[0] == labels(con)[1] == b
    cluster(con)
    assert labels(con)[0] == b  # the merge is applied again
    assert corrections.unmerge(con, b) == [a]
    assert labels(con) == before
    cluster(con)
    assert labels(con) == before
    corrections.merge(con, a, b)
    con.execute("DELETE FROM corrections")  # deleting the record by hand undoes it at the next clustering
    cluster(con)
    assert labels(con) == before


def test_move_to_someone_else_or_someone_new(tmp_path):
    con = synthetic_db(tmp_path / "v.duckdb", FOUR)
    cluster(con)
    before = labels(con)
    old, new, _ = corrections.move(con, 2, before[0])
    assert (old, new) == (before[2], before[0]) and labels(con)[2] == before[0]
    old, fresh, _ = corrections.move(con, 3, None)
    assert fresh not in before.values() and labels(con)[3] == fresh
    cluster(con)
    assert labels(con)[2] == before[0] and labels(con)[3] == fresh
    for correction_id, *_ in corrections.list_corrections(con):
        corrections.undo(con, correction_id)
    assert labels(con) == before


@pytest.mark.parametrize("how", ["the sheet lost the row", "the row has another video"])
def test_a_move_made_on_a_video_the_sheet_no_longer_has_is_taken_back(tmp_path, how):
    """A move is made on a row: once the sheet lost that row, or put another video there, the move
    applied to whatever video came next at that row, without a word. It is taken back (kept among
    the undone corrections), and the labels still follow the corrections."""
    from influx.ingest.csv_input import Row
    from influx.ingest.rows import sync_rows

    path = tmp_path / "v.duckdb"
    con = synthetic_db(path, FOUR)
    cluster(con)
    before = labels(con)
    corrections.move(con, 7, None)  # the last row
    kept = corrections.move(con, 2, before[0])[2]
    n = len(FOUR) - 1 if how == "the sheet lost the row" else len(FOUR)
    rows = [Row(r, f"http://v/{r}" if r != 7 else "http://v/another", r % 3) for r in range(n)]
    sync_rows(con, rows, tmp_path / "videos", forget_missing=True)
    listed = corrections.list_corrections(con)
    assert [c[0] for c in listed if c[-2] is None] == [kept] and [c[-1] for c in listed if c[-2]] == ["ingest"]
    assert con.execute("SELECT undone_by FROM undone_corrections WHERE row_index = 7").fetchall() == [("ingest",)]
    con.close()
    corrections.connect_verified(path, read_only=True).close()  # the labels follow the corrections


def test_a_run_that_fails_after_forgetting_rows_leaves_the_people_counted_again(tmp_path):
    """The rows were forgotten and committed, then the run stopped (an unreachable scheduler): the
    people table still counted the forgotten videos, and every command showed it."""
    from influx.ingest.csv_input import Row
    from influx.ingest.dask_executor import SchedulerLost
    from influx.ingest.pipeline import ingest
    from tests.builders import options

    path = tmp_path / "v.duckdb"
    con = synthetic_db(path, FOUR)
    cluster(con)
    con.close()
    rows = [Row(r, f"http://v/{r}", r % 3) for r in range(4)]  # the sheet lost rows 4 to 7
    with pytest.raises(SchedulerLost):
        ingest(path, "x.csv", options(tmp_path, forget_missing_rows=True, scheduler="tcp://127.0.0.1:1"), rows=rows)
    con = ro(path)
    assert con.execute("SELECT sum(n_videos), max(first_row_index) FROM influencers").fetchone() == (4, 3)


def test_not_an_influencer_hands_the_video_to_the_next_person(tmp_path):
    videos = [[(f, 0, 100) for f in range(4)] + [(f, 1, 60) for f in range(4)], [(f, 1, 100) for f in range(4)]]
    con = synthetic_db(tmp_path / "n.duckdb", videos)
    cluster(con)
    first = labels(con)
    correction = corrections.not_influencer(con, first[0])
    assert labels(con)[0] == first[1]
    cluster(con)
    assert labels(con)[0] == first[1]
    assert con.execute("SELECT not_influencer FROM influencers WHERE influencer_id = ?", [first[0]]).fetchone()[0]
    corrections.undo(con, correction)
    assert labels(con) == first


def test_corrections_from_the_command_line(tmp_path):
    path = tmp_path / "c.duckdb"
    con = synthetic_db(path, FOUR)
    cluster(con)
    before = labels(con)
    con.close()
    run = CliRunner().invoke
    out = run(cli, ["merge", str(before[0]), str(before[1]), "--db", str(path)])
    assert out.exit_code == 0 and "undo: influx undo 1" in out.output
    out = run(cli, ["move", "2", "--to", "new", "--db", str(path)])
    assert out.exit_code == 0 and "undo: influx undo" in out.output
    out = run(cli, ["corrections", "--db", str(path)])
    assert out.exit_code == 0 and "merge" in out.output and "move" in out.output
    assert run(cli, ["move", "2", "--to", "x", "--db", str(path)]).exit_code == 2
    bad = run(cli, ["merge", "99", "1", "--db", str(path)])
    assert bad.exit_code == 2 and "no person with id 99" in bad.output
    assert run(cli, ["unmerge", str(before[1]), "--db", str(path)]).exit_code == 0
    assert run(cli, ["undo", "2", "--db", str(path)]).exit_code == 0
    assert labels(ro(path)) == before
    assert run(cli, ["rename", "1", "x", "--db", str(tmp_path / "missing.duckdb")]).exit_code == 2
    assert not (tmp_path / "missing.duckdb").exists()


def test_uncertain_videos_are_flagged(tmp_path):
    # video 2's person sits between persons 0 and 1: a close call
    between = [[(f, 0, 100) for f in range(4)], [(f, 1, 100) for f in range(4)]] * 2
    con = synthetic_db(tmp_path / "u.duckdb", between + [[(f, 2, 100) for f in range(4)]])
    mid = (CENTRES[0] + CENTRES[1]) / 2
    con.execute("UPDATE faces SET embedding = ?::FLOAT[128] WHERE row_index = 4", [mid.tolist()])
    cluster(con)
    got = dict(con.execute("SELECT row_index, uncertain FROM video_influencers").fetchall())
    assert got[4] and not any(got[r] for r in range(4))
    margin = con.execute("SELECT margin FROM video_influencers WHERE row_index = 0").fetchone()[0]
    assert margin > 0.05


# ---- end to end on real-face videos (the real models: slow) ----------------------------

TRUTH_ROWS = ["grace_big", "obama_a", "eileen_a", "grace_small", "obama_b", "noface", "eileen_b", "biden_a",
              "grace_portrait", "grace_big_copy", "truncated"]  # fmt: skip


def _ingest(tmp, server, names, csv_name="in.csv"):
    rows = [f"{server.url}/blob/{n}" for n in names]
    c = campaign(tmp, rows, REAL_MODEL, csv_name=csv_name, db_name="store.duckdb", fetch=dict(timeout=2, retries=0))
    c.ingest()


def recluster(path):
    con = store.connect(path)
    cluster(con)
    con.close()


@pytest.fixture(scope="module")
def clustered(tmp_path_factory, real_server):
    tmp = tmp_path_factory.mktemp("cluster")
    _ingest(tmp, real_server, TRUTH_ROWS[:7])
    recluster(tmp / "store.duckdb")
    return tmp


def file_labels(path):
    con = ro(path)
    out = labels(con)
    con.close()
    return out


@pytest.mark.slow
def test_every_video_gets_the_right_person(clustered):
    from tests.builders import TRUTH

    got = file_labels(clustered / "store.duckdb")
    assert got[5] is None  # no face
    truth = {i: TRUTH[n] for i, n in enumerate(TRUTH_ROWS[:7]) if n != "noface"}
    pairs = {(truth[i], got[i]) for i in truth}
    assert len(pairs) == len(set(truth.values())) == len({g for _, g in pairs})  # a bijection
    assert got[0] == 1  # numbered by first appearance


@pytest.mark.slow
def test_recluster_keeps_ids_names_and_merges(clustered, real_server):
    path = clustered / "store.duckdb"
    before = file_labels(path)
    con = store.connect(path)
    corrections.rename(con, before[1], "Barack")
    con.close()
    recluster(path)
    assert file_labels(path) == before
    _ingest(clustered, real_server, TRUTH_ROWS, csv_name="more.csv")  # adds rows 7..10
    recluster(path)
    after = file_labels(path)
    assert {k: after[k] for k in before} == before
    assert after[8] == after[0] and after[9] == after[0] and after[10] is None
    con = ro(path)
    assert con.execute("SELECT name FROM influencers WHERE influencer_id = ?", [before[1]]).fetchone()[0] == "Barack"
    con.close()
    con = store.connect(path)
    corrections.merge(con, after[7], after[2])  # a (wrong, but user-made) merge survives re-clustering
    con.close()
    recluster(path)
    final = file_labels(path)
    assert final[7] == final[2] == after[2]


def test_suggest_merges_lists_close_pairs(make_clustered_db):
    con = ro(make_clustered_db(FOUR))
    people = {i for (i,) in con.execute("SELECT influencer_id FROM influencers").fetchall()}
    pairs = suggestions.suggest_merges(con, max_distance=5.0)
    assert len(pairs) == len(people) * (len(people) - 1) // 2, f"every pair of {len(people)} people: {pairs}"
    assert suggestions.suggest_merges(con, max_distance=0.1) == []  # people ~0.7 apart
    con.close()


@pytest.mark.slow
def test_hamilton_clip_is_lin_manuel_miranda(tmp_path, shared):
    import face_recognition

    clip = campaign(
        tmp_path, [shared / "videos" / "short_hamilton_clip.mp4"], REAL_MODEL, db_name="h.duckdb", workers=1
    )
    clip.ingest()
    recluster(tmp_path / "h.duckdb")
    con = ro(tmp_path / "h.duckdb")
    iid = con.execute("SELECT influencer_id FROM video_influencers").fetchone()[0]
    embs = np.array(
        [e for (e,) in con.execute("SELECT embedding FROM faces WHERE influencer_id = ?", [iid]).fetchall()]
    )
    photo = face_recognition.load_image_file(shared / "faces" / "lin_manuel_miranda" / "1.png")
    ref = face_recognition.face_encodings(photo)[0]
    assert np.linalg.norm(embs.mean(axis=0) - ref) < 0.55


def test_a_lone_weak_detection_is_nobody():
    rows, frames, sizes, emb = synthetic_faces([[(0, 0, 100)], [(0, 1, 100), (1, 1, 100)]])
    g = assign(rows, frames, sizes, emb, ClusterOptions(), scores=np.array([-0.3, -0.3, -0.3]))
    assert g.person[0] == -1  # one weak face: likely not a face at all
    assert (g.person[1:] >= 0).all() and g.person[1] == g.person[2]  # weak but seen twice: a person
    strong = assign(rows, frames, sizes, emb, ClusterOptions(), scores=np.array([0.4, -0.3, -0.3]))
    assert strong.person[0] >= 0


def test_the_grouping_does_not_depend_on_history(tmp_path):
    videos = [[(f, p % 5, 100) for f in range(4)] + [(2, (p + 2) % 5, 60)] for p in range(10)]
    fresh = synthetic_db(tmp_path / "a.duckdb", videos)
    fresh.close()
    shutil.copy(tmp_path / "a.duckdb", tmp_path / "b.duckdb")  # the very same faces
    fresh, worn = store.connect(tmp_path / "a.duckdb"), store.connect(tmp_path / "b.duckdb")
    cluster(fresh)
    for distance in (1.2, 0.3, 0.9):  # other runs first
        cluster(worn, ClusterOptions(merge_distance=distance))
    cluster(worn)
    query = "SELECT face_id, track_id, influencer_id FROM faces ORDER BY face_id"

    def partition(con):  # the grouping, whatever the ids are called: ids renamed by first appearance
        names = {}
        return [
            (f, t, names.setdefault(i, len(names)) if i is not None else None)
            for f, t, i in con.execute(query).fetchall()
        ]

    assert partition(fresh) == partition(worn)
    assert len({i for _, _, i in partition(fresh)}) == 5


def test_a_person_seen_only_in_weak_detections_is_uncertain(tmp_path):
    """Person 0 (rows 0 and 4) only in weak detections: both videos in doubt (a face at all?);
    person 1 (rows 1 and 5) weak in row 1 but seen clearly in row 5: a face, theirs by distance."""
    con = synthetic_db(tmp_path / "w.duckdb", FOUR)
    con.execute("UPDATE faces SET detector_score = CASE WHEN row_index IN (0, 4, 1) THEN -0.3 ELSE 0.8 END")
    cluster(con)
    got = dict(con.execute("SELECT row_index, uncertain_reason FROM video_influencers").fetchall())
    assert "only weak detections" in got[0] and "only weak detections" in got[4]
    assert all(got[r] is None for r in (1, 2, 3, 5, 6, 7)), got


def test_vectors_are_read_flat_in_the_query_order():
    con = store.connect(":memory:")
    con.execute("SELECT setseed(0.5)")  # the shuffled storage order below is the same every run
    con.execute(
        "CREATE TABLE t AS SELECT i AS id, [i::FLOAT, -i, i * 2] AS embedding FROM range(5000) t(i) ORDER BY random()"
    )
    cols, vectors = store.fetch_vectors(con, "SELECT id, embedding FROM t ORDER BY id;")
    assert vectors.dtype == np.float32 and vectors.shape == (5000, 3)
    assert (cols["id"] == np.arange(5000)).all() and (vectors[:, 1] == -np.arange(5000)).all()
    for bad in ("[1, 2]", "[1, NULL, 2]", "[1, 'nan'::FLOAT, 2]", "[1, 'inf'::FLOAT, 2]"):
        con.execute(f"UPDATE t SET embedding = {bad} WHERE id = 7")
        with pytest.raises(store.BadDatabase, match="not written by influx"):
            store.fetch_vectors(con, "SELECT id, embedding FROM t ORDER BY id")
    empty, none = store.fetch_vectors(con, "SELECT id, embedding FROM t WHERE id < 0 ORDER BY id")
    assert len(empty["id"]) == 0 and none.shape[0] == 0
