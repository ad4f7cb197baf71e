"""Synthetic videos made from face photos: the demo data set and the test fixtures.

A "shot" pastes a person's head (cut from a photo) onto a moving background, with the
hard parts of real ads on request: small faces, blur, heavy compression, tilt, occlusion,
a second person on screen, portrait frames.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from influx.demo.encode import _H264Writer


@cache
def builtin_photos() -> dict[str, list[np.ndarray]]:
    """Face photos (BGR) of four people from installed packages and influx's assets."""
    import matplotlib.cbook

    assets = resources.files("influx") / "assets"

    def read(path) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(Path(str(path)).read_bytes(), np.uint8), cv2.IMREAD_COLOR)

    photos = {
        "grace_hopper": [read(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))],
        "obama": [read(assets / "obama.jpg"), read(assets / "obama2.jpg")],
        "biden": [read(assets / "biden.jpg")],
    }
    try:
        from skimage import data

        photos["eileen_collins"] = [cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)]
    except ImportError:  # scikit-image is a test dependency; the demo works with three people
        pass
    return photos


@cache
def _head(photo_id: int, photo: bytes, shape: tuple) -> tuple[np.ndarray, float]:
    img = np.frombuffer(photo, np.uint8).reshape(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    boxes = face_recognition.face_locations(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    if not boxes:
        raise ValueError("no face in the photo")
    top, right, bottom, left = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
    size = max(bottom - top, right - left)
    pad = int(0.6 * size)
    h, w = img.shape[:2]
    crop = img[max(0, top - pad) : min(h, bottom + pad), max(0, left - pad) : min(w, right + pad)]
    return crop.copy(), size


def head(photo: np.ndarray) -> tuple[np.ndarray, float]:
    """The head region of a photo and the size (px) of the face in it."""
    return _head(id(photo), photo.tobytes(), photo.shape)


@dataclass
class Shot:
    """One synthetic video: who is on screen, how big, and what makes it hard."""

    person: str
    photo: int = 0  # which photo of the person
    face: int = 140  # face size in pixels
    width: int = 640
    height: int = 360
    seconds: float = 4.0
    fps: float = 10.0
    blur: float = 0.0  # Gaussian sigma
    jpeg_quality: int = 0  # 0: none; else recompress each frame at this quality
    tilt: float = 0.0  # degrees of roll
    occlude: bool = False  # a bar over the mouth
    occluder: str = ""  # "hand" (a skin-coloured blob over the lower face), "phone" (a slab over cheek and jaw)
    noise: float = 0.0  # sensor noise, Gaussian sigma in grey levels
    second: str | None = None  # another person, smaller, on screen for part of the video
    second_face: int = 70
    second_photo: int = 0  # which photo of the second person
    second_from: float = 0.3  # fraction of the video when the second person appears
    second_until: float = 0.6
    seed: int = 0
    codec: str = "mp4v"  # "mp4v" (OpenCV) or "h264" (libx264 through PyAV: long GOPs, B-frames, like real ads)


def _background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    c0, c1 = rng.integers(30, 220, 3), rng.integers(30, 220, 3)
    t = np.linspace(0, 1, width)[None, :, None]
    bg = (c0 * (1 - t) + c1 * t).astype(np.float32)
    bg = np.repeat(bg, height, axis=0)
    bg += rng.normal(0, 6, bg.shape)
    return np.clip(bg, 0, 255).astype(np.uint8)


def _paste(frame: np.ndarray, img: np.ndarray, cx: float, cy: float, tilt: float) -> None:
    if tilt:
        m = cv2.getRotationMatrix2D((img.shape[1] / 2, img.shape[0] / 2), tilt, 1.0)
        img = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    h, w = img.shape[:2]
    x0, y0 = int(cx - w / 2), int(cy - h / 2)
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    frame[fy0:fy1, fx0:fx1] = img[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]


def _scaled_head(person: str, photo: int, face: int, photos: dict | None) -> np.ndarray:
    options = (photos or builtin_photos())[person]
    crop, size = head(options[photo % len(options)])
    f = face / size
    return cv2.resize(crop, (max(2, round(crop.shape[1] * f)), max(2, round(crop.shape[0] * f))))


def render(path: str | Path, shot: Shot, photos: dict[str, list[np.ndarray]] | None = None) -> Path:
    """Write `shot` as an MP4 (`shot.codec`) at `path`; people come from `photos` (default: built-in)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(shot.seed)
    bg = _background(shot.width, shot.height, rng)
    main = _scaled_head(shot.person, shot.photo, shot.face, photos)
    other = _scaled_head(shot.second, shot.second_photo, shot.second_face, photos) if shot.second else None
    n = max(1, round(shot.seconds * shot.fps))
    writer = _writer(path, shot)
    start = rng.uniform(0.35, 0.65, 2)
    drift = rng.uniform(-0.1, 0.1, 2)
    for i in range(n):
        t = i / max(1, n - 1)
        frame = bg.copy()
        cx = shot.width * (start[0] + drift[0] * t)
        cy = shot.height * (start[1] + drift[1] * t)
        wobble = 1.0 + 0.06 * math.sin(2 * math.pi * t)
        img = cv2.resize(main, (round(main.shape[1] * wobble), round(main.shape[0] * wobble)))
        if other is not None and shot.second_from <= t < shot.second_until:
            ox = shot.width * (0.15 if start[0] > 0.5 else 0.85)
            _paste(frame, other, ox, shot.height * 0.3, 0.0)
        _paste(frame, img, cx, cy, shot.tilt)
        if shot.occlude:
            fw = shot.face * wobble
            y = int(cy + 0.2 * fw)
            cv2.rectangle(frame, (int(cx - fw / 2), y), (int(cx + fw / 2), int(y + 0.25 * fw)),
                          (40, 40, 40), -1)  # fmt: skip
        if shot.occluder:
            _occlude(frame, shot.occluder, cx, cy, shot.face * wobble, t)
        if shot.blur:
            frame = cv2.GaussianBlur(frame, (0, 0), shot.blur)
        if shot.noise:
            frame = np.clip(frame + rng.normal(0, shot.noise, frame.shape), 0, 255).astype(np.uint8)
        if shot.jpeg_quality:
            ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, shot.jpeg_quality])
            frame = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        writer.write(frame)
    writer.release()
    return path


def _occlude(frame: np.ndarray, kind: str, cx: float, cy: float, face: float, t: float) -> None:
    """Cover part of the face as a hand or a phone does in real ads (moving a little over time)."""
    shift = 0.1 * face * math.sin(2 * math.pi * t)
    if kind == "hand":
        centre = (int(cx + 0.15 * face + shift), int(cy + 0.35 * face))
        axes = (max(1, int(0.32 * face)), max(1, int(0.22 * face)))
        cv2.ellipse(frame, centre, axes, 20, 0, 360, (120, 150, 205), -1)
    elif kind == "phone":
        x0, y0 = int(cx + 0.2 * face + shift), int(cy + 0.05 * face)
        cv2.rectangle(frame, (x0, y0), (int(x0 + 0.35 * face), int(y0 + 0.7 * face)), (25, 25, 30), -1)
    else:
        raise ValueError(f"unknown occluder {kind!r}")


def render_no_face(path: str | Path, seconds: float = 3.0, fps: float = 10.0, seed: int = 0) -> Path:
    """A video of moving shapes and no face."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    bg = _background(640, 360, rng)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 360))
    for i in range(max(1, round(seconds * fps))):
        frame = bg.copy()
        cv2.circle(frame, (50 + 15 * i, 180), 40, (0, 200, 255), -1)
        writer.write(frame)
    writer.release()
    return path


def render_fake(path: str | Path, people: list[tuple[int, int, float, float]], seconds: float = 3.0,
                width: int = 640, height: int = 360, fps: float = 10.0, seed: int = 0) -> Path:  # fmt: skip
    """A test video for the fake face models (models.FakeDetector / FakeEncoder): each person is a
    square of their own saturated hue, (person, size px, from, until) with from/until as fractions
    of the video, drifting slowly over a grey background of random waves (desaturated, so that only
    the squares are found, and different per seed, so that different videos never look alike)."""
    from influx.faces.models.fake import fake_hue

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grey = np.full((height, width), 128, np.float32)
    for _ in range(3):
        fx, fy, phase = rng.uniform(-0.03, 0.03, 2).tolist() + [rng.uniform(0, 6.28)]
        grey += 40 * np.sin(fx * x + fy * y + phase)
    bg = cv2.cvtColor(np.clip(grey, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    # the first person on the left, the others on the right: squares never touch
    starts = [(rng.uniform(0.05, 0.3) * width if k == 0 else rng.uniform(0.6, 0.75) * width,
               rng.uniform(0.15, 0.5) * height) for k in range(len(people))]  # fmt: skip
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    n = max(1, round(seconds * fps))
    for i in range(n):
        frame = bg.copy()
        t = i / n
        for (person, size, start, until), (x0, y0) in zip(people, starts, strict=True):
            if start <= t < until:
                colour = cv2.cvtColor(np.uint8([[[fake_hue(person), 255, 220]]]), cv2.COLOR_HSV2BGR)[0, 0]
                cx, cy = int(x0 + 20 * t), int(y0 + 10 * t)
                cv2.rectangle(frame, (cx, cy), (cx + size, cy + size), tuple(int(c) for c in colour), -1)
        writer.write(frame)
    writer.release()
    return path


def _writer(path: Path, shot: Shot):
    if shot.codec == "h264":
        return _H264Writer(path, shot.fps, shot.width, shot.height)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), shot.fps, (shot.width, shot.height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write video {path}")
    return writer
