import numpy as np
import pytest

from influx.cluster import (
    ClusterOptions,
    assign,
    build_tracks,
    cluster,
    merge,
    rename,
    stable_ids,
    suggest_merges,
)
from influx.faces import FaceOptions
from influx.fetch import FetchOptions
from influx.ingest import IngestOptions, ingest
from tests.conftest import ro, write_csv

rng = np.random.default_rng(0)
CENTRES = rng.normal(0, 0.09, (6, 128))  # dlib-like: people ~0.9-1.1 apart


def person_faces(p, n, noise=0.02):
    return CENTRES[p] + rng.normal(0, noise, (n, 128))


def fake(videos):
    """videos: list of list of (frame, person) -> cols dict and embeddings, like load_faces()."""
    rows, frames, emb, sizes = [], [], [], []
    for r, faces in enumerate(videos):
        for frame, p, size in sorted(faces):
            rows.append(r)
            frames.append(frame)
            emb.append(person_faces(p, 1)[0])
            sizes.append(size)
    cols = {"row_index": np.array(rows), "frame_index": np.array(frames), "face_size": np.array(sizes)}
    return cols, np.array(emb)


def test_people_are_far_apart_and_faces_close():
    d_same = np.linalg.norm(person_faces(0, 1) - person_faces(0, 1))
    d_diff = np.linalg.norm(CENTRES[0] - CENTRES[1])
    assert d_same < 0.4 < 0.8 < d_diff


def test_tracks_never_join_two_faces_of_one_frame():
    frames = np.array([0, 0, 1, 1, 2])
    emb = np.vstack(
        [person_faces(0, 1), person_faces(0, 1), person_faces(0, 1), person_faces(1, 1), person_faces(0, 1)]
    )
    t = build_tracks(frames, emb, 0.5)
    assert t[0] != t[1]  # same frame: two tracks even though both look like person 0
    assert t[2] in (t[0], t[1]) and t[4] == t[2] and t[3] not in (t[2],)


def test_one_id_per_person_and_lone_people_kept():
    videos = [
        [(f, 0, 120) for f in range(5)],
        [(f, 0, 100) for f in range(5)] + [(2, 1, 40)],  # person 1 seen once, small
        [(f, 1, 110) for f in range(4)],
        [(f, 2, 90) for f in range(3)],  # person 2: only one video, still a person
        [(0, 3, 50)],  # a single small face, the only face of its video: still its influencer
    ]
    cols, emb = fake(videos)
    track, person = assign(cols, emb, ClusterOptions())
    rows = cols["row_index"]
    dominant = {}
    for r in range(5):
        m = rows == r
        labels, counts = np.unique(person[m][person[m] >= 0], return_counts=True)
        dominant[r] = labels[np.argmax(counts)]
    assert dominant[0] == dominant[1] != dominant[2]
    assert len({dominant[0], dominant[2], dominant[3], dominant[4]}) == 4
    # person 1's single small face in video 1 joins person 1 (seen in video 2), not a new person
    assert person[(rows == 1) & (cols["frame_index"] == 2)].tolist().count(dominant[2]) == 1


def test_cannot_link_splits_twins_in_one_frame():
    # two faces of the same frame that look alike are still two people
    cols, emb = fake([[(0, 0, 100), (0, 0, 100), (1, 0, 100), (1, 0, 100)], [(0, 0, 100)]])
    track, person = assign(cols, emb, ClusterOptions())
    assert person[0] != person[1] or person[0] < 0 or person[1] < 0


def test_noise_single_face_in_crowded_video_is_unlabelled():
    cols, emb = fake([[(f, 0, 150) for f in range(6)] + [(3, 4, 45)], [(f, 0, 150) for f in range(6)]])
    track, person = assign(cols, emb, ClusterOptions())
    lone = (cols["row_index"] == 0) & (cols["frame_index"] == 3) & (cols["face_size"] == 45)
    assert person[lone][0] == -1


def test_stable_ids_keep_old_and_number_new_by_first_row():
    person = np.array([0, 0, 1, 1, 2, 3])
    old = np.array([7, 7, -1, -1, 3, -1])
    rows = np.array([5, 6, 9, 9, 1, 2])
    m = stable_ids(person, old, rows, first_free=8)
    assert m == {0: 7, 2: 3, 3: 8, 1: 9}


def test_ids_numbered_by_first_appearance_on_fresh_data():
    m = stable_ids(np.array([0, 1, 2]), np.array([-1, -1, -1]), np.array([4, 0, 2]), first_free=1)
    assert m == {1: 1, 2: 2, 0: 3}


# ---- end to end on fixture videos ----------------------------------------------------

TRUTH_ROWS = ["grace_big", "obama_a", "eileen_a", "grace_small", "obama_b", "noface", "eileen_b", "biden_a",
              "grace_portrait", "grace_big_copy", "truncated"]  # fmt: skip


def _ingest(tmp, server, names, csv_name="in.csv"):
    csv = write_csv(tmp / csv_name, [(1.0 + i, f"{server.url}/blob/{n}") for i, n in enumerate(names)])
    o = IngestOptions(
        fetch=FetchOptions(videos_dir=tmp / "videos", timeout=2, retries=0), faces=FaceOptions(), workers=2
    )
    ingest(tmp / "db.duckdb", csv, o)


@pytest.fixture(scope="module")
def clustered(tmp_path_factory, server):
    tmp = tmp_path_factory.mktemp("cluster")
    _ingest(tmp, server, TRUTH_ROWS[:7])
    cluster(tmp / "db.duckdb")
    return tmp


def labels(path):
    con = ro(path)
    out = dict(con.execute("SELECT row_index, influencer_id FROM video_influencers").fetchall())
    con.close()
    return out


def test_every_video_gets_the_right_person(clustered):
    from fixtures.build import TRUTH

    got = labels(clustered / "db.duckdb")
    assert got[5] is None  # no face
    truth = {i: TRUTH[n] for i, n in enumerate(TRUTH_ROWS[:7]) if n != "noface"}
    pairs = {(truth[i], got[i]) for i in truth}
    assert len(pairs) == len(set(truth.values())) == len({g for _, g in pairs})  # a bijection
    assert got[0] == 1  # numbered by first appearance


def test_recluster_keeps_ids_names_and_merges(clustered, server):
    path = clustered / "db.duckdb"
    before = labels(path)
    rename(path, before[1], "Barack")
    cluster(path)
    assert labels(path) == before
    _ingest(clustered, server, TRUTH_ROWS, csv_name="more.csv")  # adds rows 7..10
    cluster(path)
    after = labels(path)
    assert {k: after[k] for k in before} == before
    assert after[8] == after[0] and after[9] == after[0] and after[10] is None
    con = ro(path)
    assert con.execute("SELECT name FROM influencers WHERE influencer_id = ?", [before[1]]).fetchone()[0] == "Barack"
    con.close()
    merge(path, after[7], after[2])  # a (wrong, but user-made) merge survives re-clustering
    cluster(path)
    final = labels(path)
    assert final[7] == final[2] == after[2]


def test_suggest_merges_lists_close_pairs(clustered):
    con = ro(clustered / "db.duckdb")
    assert suggest_merges(con, max_distance=5.0)
    assert suggest_merges(con, max_distance=0.1) == []
    con.close()


def test_hamilton_clip_is_lin_manuel_miranda(tmp_path, shared):
    import face_recognition

    csv = write_csv(tmp_path / "h.csv", [(1.0, str(shared / "videos" / "short_hamilton_clip.mp4"))])
    ingest(tmp_path / "h.duckdb", csv, IngestOptions(fetch=FetchOptions(videos_dir=tmp_path), workers=1))
    cluster(tmp_path / "h.duckdb")
    con = ro(tmp_path / "h.duckdb")
    iid = con.execute("SELECT influencer_id FROM video_influencers").fetchone()[0]
    embs = np.array(
        [e for (e,) in con.execute("SELECT embedding FROM faces WHERE influencer_id = ?", [iid]).fetchall()]
    )
    photo = face_recognition.load_image_file(shared / "faces" / "lin_manuel_miranda" / "1.png")
    ref = face_recognition.face_encodings(photo)[0]
    assert np.linalg.norm(embs.mean(axis=0) - ref) < 0.55
