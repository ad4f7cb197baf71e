"""Linking videos into people as the library grows (influx/linking.py): the crowd-dependent
threshold, HDBSCAN, and the doubt that goes with each link."""

import numpy as np
import pytest
from click.testing import CliRunner

from influx.cli import cli
from influx.identity import corrections, linking
from influx.identity.cluster import ClusterOptions, cluster
from influx.identity.doubt import doubts
from influx.identity.grouping import assign, link_videos
from tests.builders import synthetic_db, synthetic_faces
from tests.conftest import ro

DIM = 128


def _at(rng, centre, distance):
    """A point `distance` away from `centre` in a random direction."""
    step = rng.normal(size=DIM)
    return centre + distance * step / np.linalg.norm(step)


def _library(rng, strangers: int, pair_distance: float = 0.45):
    """Two people whose mean faces are `pair_distance` apart (two videos each, a video's mean face
    0.15 from their person's centre: their videos ~0.5 apart), among `strangers` other people of
    three videos each, ~0.6 from the pair (a crowd of look-alikes) and ~0.85 from each other."""
    a = np.zeros(DIM)
    b = _at(rng, a, pair_distance)
    points, truth = [], []
    for k, centre in enumerate((a, b)):
        for _ in range(2):
            points.append(_at(rng, centre, 0.15))
            truth.append(k)
    middle = (a + b) / 2
    for s in range(strangers):
        centre = _at(rng, middle, 0.6)
        for _ in range(3):
            points.append(_at(rng, centre, 0.15))
            truth.append(2 + s)
    return np.array(points), np.array(truth)


def test_the_threshold_tightens_with_the_crowd_never_below_its_floor():
    free = linking.CROWD_FREE
    t = linking.crowd_threshold(np.array([0, free, 2 * free, 4 * free, 16 * free, 10_000]), 0.55)
    assert t[0] == t[1] == 0.55
    assert 0.55 > t[2] > t[3] > t[4] >= linking.MIN_DISTANCE
    assert t[5] == linking.MIN_DISTANCE


def test_two_look_alikes_in_a_crowd_stay_apart_where_a_fixed_distance_merges_them():
    rng = np.random.default_rng(1)
    points, truth = _library(rng, strangers=40)
    fixed = link_videos(points, ClusterOptions(method="fixed")).label
    assert fixed[0] == fixed[2], "the fixed 0.55 merges the pair (what influx did before)"
    adaptive = link_videos(points, ClusterOptions()).label
    assert adaptive[0] == adaptive[1] and adaptive[2] == adaptive[3]
    assert adaptive[0] != adaptive[2]
    # every stranger is still one person of their own
    for s in range(40):
        own = adaptive[truth == 2 + s]
        assert len(set(own)) == 1 and not np.isin(own, adaptive[truth != 2 + s]).any()


def test_alone_in_its_part_of_the_library_a_person_joins_at_the_full_distance():
    rng = np.random.default_rng(2)
    a = np.zeros(DIM)
    points = np.array([_at(rng, a, 0.35) for _ in range(2)] + [_at(rng, np.full(DIM, 0.1), 0.2) for _ in range(2)])
    d = np.linalg.norm(points[0] - points[1])
    assert 0.42 < d < 0.55
    linked = link_videos(points, ClusterOptions())
    assert linked.label[0] == linked.label[1]
    assert linked.joined_at[0] == pytest.approx(d)


def test_two_look_alikes_with_many_videos_each_are_two_people():
    """Groups of four videos each whose videos sit ~0.53 apart on average: a join for average
    linkage, but their centres are farther apart than four videos each of one person allow."""
    rng = np.random.default_rng(5)
    a = np.zeros(DIM)
    b = _at(rng, a, 0.40)
    points = np.array([_at(rng, c, 0.25) for c in (a, b) for _ in range(4)])
    fixed = link_videos(points, ClusterOptions(method="fixed"))
    assert len(set(fixed.label)) == 1, "average linkage at 0.55 joins them"
    linked = link_videos(points, ClusterOptions())
    assert len(set(linked.label[:4])) == len(set(linked.label[4:])) == 1
    assert linked.label[0] != linked.label[4]
    # one person's eight videos, as scattered as each look-alike's (pairs ~0.35 apart), stay one
    one = np.array([_at(rng, a, 0.25) for _ in range(8)])
    assert len(set(link_videos(one, ClusterOptions()).label)) == 1


def test_one_person_with_two_looks_and_many_videos_stays_one():
    """15 videos with glasses, 15 without (looks 0.2 apart, pairs ~0.4 apart): Ward's evidence is
    counted up to WARD_EVIDENCE videos a side, or the sheer number of videos splits the person."""
    rng = np.random.default_rng(0)
    a = np.zeros(DIM)
    b = _at(rng, a, 0.2)
    points = np.array([_at(rng, c, 0.27) for c in (a, b) for _ in range(15)])
    assert len(set(link_videos(points, ClusterOptions()).label)) == 1


def test_a_video_kept_from_a_group_of_two_people_under_the_threshold_is_in_doubt():
    """A (videos 0, 1), B (video 2, beside A on screen in video 0), and a third video of A that
    average linkage would join to A and B together: it stays alone, and says why."""
    e = np.eye(DIM)
    points = np.array([0.08 * e[0], -0.08 * e[0], 0.4225 * e[1], 0.4631 * e[2]])
    beside = [np.array([points[2] + 0.02 * e[3]])] + [np.zeros((0, DIM))] * 3
    linked = link_videos(points, ClusterOptions(), beside)
    assert linked.label[0] == linked.label[1] and len(set(linked.label)) == 3
    said = doubts(linked)
    assert said[3] and "kept from a group" in said[3] and said[2] and "kept from a group" in said[2]


def _two_pairs(centres: float, within: float = 0.2) -> np.ndarray:
    """Two pairs of videos: every video of one pair exactly sqrt(centres² + within²/2) from every
    video of the other, the pairs' centres `centres` apart (orthogonal axes: no randomness)."""
    e = np.eye(DIM)
    return np.array([e[1] * within / 2, -e[1] * within / 2,
                     centres * e[0] + e[2] * within / 2, centres * e[0] - e[2] * within / 2])  # fmt: skip


def test_a_join_of_two_groups_is_in_doubt_by_its_evidence_not_its_distance():
    near_threshold = link_videos(_two_pairs(0.517), ClusterOptions())  # distance 0.536: 0.014 under 0.55
    assert len(set(near_threshold.label)) == 1
    assert near_threshold.joined_at[0] == pytest.approx(np.sqrt(0.517**2 + 0.02))
    assert doubts(near_threshold) == [None] * 4, "Ward 0.731, 0.039 under its limit: decided with room"
    near_limit = link_videos(_two_pairs(0.53), ClusterOptions())  # Ward 0.7495: 0.0205 under 0.77
    assert len(set(near_limit.label)) == 1
    assert all(d and "by a hair" in d for d in doubts(near_limit))


def _assign(videos, centres):
    """assign() on synthetic faces of `videos` (synthetic_faces' layout) around `centres`, each
    face ~0.05 from its person's centre."""
    return assign(*synthetic_faces(videos, 4, centres, noise=0.05 / np.sqrt(DIM)), ClusterOptions())


def test_two_look_alikes_seen_together_are_never_one_person():
    rng = np.random.default_rng(3)
    a = np.zeros(DIM)
    centres = np.array([a, _at(rng, a, 0.45)])  # A and B: close enough to be joined when nothing else is known
    videos = [[(f, 0, 100) for f in range(4)], [(f, 0, 100) for f in range(4)], [(f, 1, 100) for f in range(4)]]

    def people(videos):
        g = _assign(videos, centres)
        return dict(zip(g.video_rows.tolist(), g.linked.label.tolist(), strict=True))

    alone = people(videos)
    assert alone[0] == alone[1] == alone[2], "without more evidence the look-alikes are one person"
    videos[0] += [(0, 1, 60), (1, 1, 60)]  # B beside A, in two frames of A's first video
    together = people(videos)
    assert together[0] == together[1]
    assert together[2] != together[0]


def test_the_same_person_twice_on_screen_is_no_evidence_of_two_people():
    """A split screen: A's first video, in another light (0.35 from A's other two videos), also
    shows A as in the other two: that second shot is nearer them than the first, but it is A."""
    rng = np.random.default_rng(6)
    a = np.zeros(DIM)
    centres = np.array([a, _at(rng, a, 0.35)])  # A as usual, and A in the first video's light
    videos = [[(f, 1, 100) for f in range(4)] + [(0, 0, 60), (1, 0, 60)], [(f, 0, 100) for f in range(4)],
              [(f, 0, 100) for f in range(4)]]  # fmt: skip
    assert len(set(_assign(videos, centres).linked.label)) == 1


def test_a_join_or_a_refusal_by_a_hair_is_in_doubt():
    linked = linking.Linked(
        label=np.array([0, 0, 1, 2]),
        joined_at=np.array([0.54, 0.30, np.nan, np.nan]),
        hair=np.array([0.005, 0.25, np.nan, np.nan]),
        refused_at=np.array([np.nan, np.nan, 0.005, 0.2]),
        membership=np.full(4, np.nan),
        outlier=np.full(4, np.nan),
        threshold=0.55,
    )
    got = doubts(linked)
    assert "by a hair" in got[0] and got[1] is None
    assert "look-alike is near" in got[2] and got[3] is None
    linked.membership = np.array([0.3, 0.9, np.nan, np.nan])
    linked.hair[0] = 0.2
    assert "HDBSCAN membership 0.30" in doubts(linked)[0]


FOUR = [[(f, p, 100) for f in range(4)] for p in (0, 1, 0, 1, 2)]


def test_cluster_with_hdbscan_end_to_end(tmp_path):
    path = tmp_path / "h.duckdb"
    con = synthetic_db(path, FOUR)
    con.close()
    out = CliRunner().invoke(cli, ["cluster", "--method", "hdbscan", "--db", str(path)])
    assert out.exit_code == 0, out.output
    con = ro(path)
    got = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
    assert got[0] == got[2] and got[1] == got[3] and len({got[0], got[1], got[4]}) == 3
    links = con.execute("SELECT method, membership, outlier_score FROM video_links ORDER BY row_index").fetchall()
    assert {m for m, _, _ in links} == {"hdbscan"}
    assert all(o is not None for _, _, o in links) and links[0][1] is not None and links[4][1] is None
    assert con.execute("SELECT value FROM settings WHERE name = 'method'").fetchone()[0] == "hdbscan"


def test_unknown_method_is_refused_in_one_line(tmp_path):
    path = tmp_path / "m.duckdb"
    synthetic_db(path, FOUR).close()
    out = CliRunner().invoke(cli, ["cluster", "--method", "kmeans", "--db", str(path)])
    assert out.exit_code == 2 and "kmeans" in out.output


def test_a_doubtful_link_makes_the_video_uncertain_until_it_is_moved_by_hand(tmp_path):
    con = synthetic_db(tmp_path / "d.duckdb", FOUR)
    cluster(con)
    con.execute("UPDATE video_links SET doubt = 'joined its person by a hair' WHERE row_index = 2")
    row = con.execute("SELECT uncertain, uncertain_reason FROM video_influencers WHERE row_index = 2").fetchone()
    assert row == (True, "joined its person by a hair")
    corrections.move(con, 2, None)
    row = con.execute("SELECT uncertain, uncertain_reason FROM video_influencers WHERE row_index = 2").fetchone()
    assert row == (False, None)


def test_hdbscan_keeps_no_far_straggler_as_a_member():
    """HDBSCAN's own labels put a one-video stranger 0.68 from a pair into the pair's cluster (a
    weak member); influx cuts its clusters at the merge distance, so the stranger is its own person."""
    import hdbscan

    rng = np.random.default_rng(3)
    a, b = np.zeros(DIM), _at(rng, np.zeros(DIM), 0.75)
    stranger = _at(rng, a, 0.68)
    points = np.array([_at(rng, a, 0.08), _at(rng, a, 0.08), _at(rng, b, 0.08), _at(rng, b, 0.08), stranger])
    raw = hdbscan.HDBSCAN(min_cluster_size=2, min_samples=1, cluster_selection_epsilon=0.4).fit_predict(points)
    assert raw[4] >= 0 and raw[4] in raw[:4], "HDBSCAN alone keeps the stranger in a cluster"
    linked = linking.hdbscan_linking(points, 0.55)
    assert linked.label[0] == linked.label[1] != linked.label[2] == linked.label[3]
    assert linked.label[4] not in linked.label[:4] and np.isnan(linked.membership[4])
