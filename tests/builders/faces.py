"""Databases of synthetic faces: dlib-like 128-d embeddings around six people's centres, written
straight into the faces table (no video decoded, no model loaded)."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from pathlib import Path

import numpy as np

from influx import store

CENTRES = np.random.default_rng(0).normal(0, 0.044, (6, 128))  # people ~0.7 apart, as dlib puts them

# videos as synthetic_faces takes them: a list per video of (frame, person, face size px)
FOUR = [[(f, p, 100) for f in range(4)] for p in (0, 1, 2, 3, 0, 1, 2, 3)]  # four people, two videos each


def person_faces(p: int, n: int, rng: np.random.Generator, noise: float = 0.02, centres=CENTRES) -> np.ndarray:
    """n faces of person p (a row of `centres`), drawn from `rng` (a test seeds its own: the same
    draws in any order); `noise` per dimension (0.02: faces ~0.23 from their centre)."""
    return centres[p] + rng.normal(0, noise, (n, centres.shape[1]))


def synthetic_faces(videos, seed: int = 0, centres=CENTRES, noise: float = 0.02):
    """videos: list of list of (frame, person, size) -> (rows, frames, sizes, embeddings) as
    cluster_faces.sql gives them, person p around centres[p]. The same videos and seed give the
    same faces."""
    rng = np.random.default_rng(seed)
    centres = np.asarray(centres, dtype=float)
    rows, frames, emb, sizes = [], [], [], []
    for r, faces in enumerate(videos):
        for frame, p, size in sorted(faces):
            rows.append(r)
            frames.append(frame)
            emb.append(person_faces(p, 1, rng, noise, centres)[0])
            sizes.append(size)
    return np.array(rows), np.array(frames), np.array(sizes, dtype=float), np.array(emb)


def _crop() -> bytes:
    import cv2

    ok, jpeg = cv2.imencode(".jpg", np.full((32, 32, 3), 128, np.uint8))
    return jpeg.tobytes()


CROP = _crop()


def synthetic_db(path, videos, seed: int = 0):
    """An open connection to a new database whose faces are synthetic (videos as in
    synthetic_faces); video r is http://v/r with performance r % 3."""
    con = store.connect(path)
    rows, frames, sizes, emb = synthetic_faces(videos, seed)
    # one statement a table (a row at a time took ~10 ms a face): the faces in order, so their
    # face_ids are the ones a row at a time gave
    con.execute("INSERT INTO videos (row_index, video_url, performance, status)"
                " SELECT r, 'http://v/' || r, r % 3, 'ok' FROM range(?) t(r)", [len(videos)])  # fmt: skip
    if len(rows):
        con.execute(
            "INSERT INTO faces (row_index, frame_index, timestamp_s, box_top, box_right, box_bottom, box_left,"
            " face_size, sharpness, frontality, embedding, crop) SELECT r, f, f, 0, s, s, 0, s, 100, 1, e, ?"
            " FROM (SELECT unnest(?) AS r, unnest(?) AS f, unnest(?) AS s, unnest(?::DOUBLE[][]) AS e)",
            [CROP, rows.tolist(), frames.tolist(), sizes.astype(int).tolist(), emb.tolist()],
        )
    con.execute("UPDATE videos SET frames_sampled = 4, n_faces = 4")
    return con


def clustered_db(path, videos=FOUR, options=None, templates: Path | None = None) -> Path:
    """synthetic_db, clustered (with `options`, a ClusterOptions) and closed: its path. With
    `templates` (a folder kept for the run, which the test processes may share), each set of videos
    and options is built once there, by one process at a time, and copied to `path` (the same
    bytes, in milliseconds instead of a second)."""
    from influx.identity.cluster import cluster

    if templates is not None:
        template = templates / f"{hashlib.sha256(repr((videos, options)).encode()).hexdigest()[:16]}.duckdb"
        with open(templates / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait for it whole
            if not template.exists():
                clustered_db(template, videos, options)
        shutil.copyfile(template, path)
        return Path(path)
    con = synthetic_db(path, videos)
    cluster(con, options)
    con.close()
    return Path(path)
