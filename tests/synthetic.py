"""Databases of synthetic faces (dlib-like embeddings, no video decoded) for fast tests."""

import numpy as np

from influx import store

CENTRES = np.random.default_rng(0).normal(0, 0.044, (6, 128))  # people ~0.7 apart, as dlib puts them


def person_faces(p, n, noise=0.02, rng=None):
    """n faces of person p; each call draws afresh unless given a generator (tests that compare
    two draws want them to differ)."""
    rng = rng if rng is not None else np.random.default_rng()
    return CENTRES[p] + rng.normal(0, noise, (n, 128))


def fake(videos, seed=0):
    """videos: list of list of (frame, person, size) -> arrays as cluster_faces.sql gives them.
    The same videos and seed give the same faces, whichever tests ran before."""
    rng = np.random.default_rng(seed)
    rows, frames, emb, sizes = [], [], [], []
    for r, faces in enumerate(videos):
        for frame, p, size in sorted(faces):
            rows.append(r)
            frames.append(frame)
            emb.append(person_faces(p, 1, rng=rng)[0])
            sizes.append(size)
    return np.array(rows), np.array(frames), np.array(sizes, dtype=float), np.array(emb)


def _crop() -> bytes:
    import cv2

    ok, jpeg = cv2.imencode(".jpg", np.full((32, 32, 3), 128, np.uint8))
    return jpeg.tobytes()


CROP = _crop()


def synthetic_db(path, videos):
    """A database whose faces are synthetic embeddings (no video decoded): videos as in fake()."""
    con = store.connect(path)
    rows, frames, sizes, emb = fake(videos)
    for r in range(len(videos)):
        con.execute("INSERT INTO videos (row_index, video_url, performance, status) VALUES (?, ?, ?, 'ok')",
                    [r, f"http://v/{r}", float(r % 3)])  # fmt: skip
    for r, f, s, e in zip(rows, frames, sizes, emb, strict=True):
        con.execute(
            "INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left,"
            " face_size, sharpness, frontality, embedding, crop) VALUES (?, ?, ?, 0, ?, ?, 0, ?, 100, 1, ?, ?)",
            [int(r), int(f), float(f), int(s), int(s), int(s), e.tolist(), CROP],
        )
    con.execute("UPDATE videos SET frames_sampled = 4, n_faces = 4")
    return con
