"""Faces: detect and encode the faces of one video's sampled frames (a pure function per video)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from influx.faces import models
from influx.faces.frames import VideoError, iter_frames

__all__ = ["VideoError", "FaceOptions", "Face", "VideoResult", "process_video"]

SAME_PERSON = 0.5  # within a video, a face this close to a person already seen is not new


@dataclass
class FaceOptions:
    fps: float = 2.0  # at most this many frames sampled per second of video
    max_frames: int = 16  # at most this many frames per video, spread over its length
    min_frames: int = 3  # never stop before this many frames
    stable_frames: int = 2  # stop only after this many frames in a row showed nobody new ...
    main_error: float = 0.12  # ... and the main person's mean face is known to about this distance
    empty_frames: int = 6  # stop after this many frames when none showed a face
    min_face: int = 40  # smallest face (pixels, original frame) the detector must find
    max_detect_pixels: int = 2560 * 1440  # cap on the upscaled detection image (small-face pass)
    base_pixels: int = 1280 * 720  # cap on the plain detection image (larger frames are shrunk)
    thorough: bool = False  # small-face pass on every frame and no early stop
    # "yunet" (YuNet proposes, HOG confirms; where its wheel installs), "hog" (dlib HOG alone),
    # "cnn" (needs a GPU to be practical), "fake" (tests): models.py
    model: str = models.default_model()
    # HOG detection threshold. dlib's default, 0, misses most small, blurred, compressed or partly
    # covered faces (bench/identity.py: a hand-covered 101 px face found in 1 of 14 frames at 0, 10
    # at -0.6); -0.5 finds them. A lone weak detection is not made a person (see cluster.assign).
    hog_threshold: float = -0.5
    crop_size: int = 256
    decoder_threads: int = 0  # FFmpeg's threads per video (0: its choice); worker pools set 1 (they fill the cores)
    jpeg_quality: int = 90


@dataclass
class Face:
    frame_index: int
    timestamp_s: float
    box: tuple[int, int, int, int]  # top, right, bottom, left in original frame pixels
    face_size: int
    detector_score: float
    sharpness: float
    frontality: float
    embedding: np.ndarray  # float32[encoder.dim]
    crop: bytes  # JPEG


@dataclass
class VideoResult:
    duration_s: float | None
    fps: float | None
    width: int | None
    height: int | None
    frames_sampled: int
    process_s: float
    faces: list[Face] = field(default_factory=list)
    frame_hashes: list[tuple[float, int]] = field(default_factory=list)  # (timestamp_s, dhash) per frame
    detector: str = ""  # the face models that produced the faces (models.Detector.name, Encoder.name)
    encoder: str = ""


def frame_hash(frame_bgr: np.ndarray) -> int | None:
    """64-bit difference hash of the whole frame (9x8 grey thumbnail, left < right per pixel pair):
    it survives re-encoding, resizing and another codec; None for a near-uniform frame (a fade, a
    black frame), which would match any other."""
    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    thumb = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    if thumb.std() < 4:
        return None
    bits = (thumb[:, 1:] > thumb[:, :-1]).flatten()
    return int(np.packbits(bits, bitorder="little").view("<u8")[0])


def detection_scale(width: int, height: int, opts: FaceOptions) -> float:
    """Resize factor so that a face of `opts.min_face` px reaches the HOG window, within the pixel cap."""
    scale = models.load(opts.model)[0].window / max(1, opts.min_face)
    cap = math.sqrt(opts.max_detect_pixels / max(1, width * height))
    return min(scale, cap)


def _crop(frame: np.ndarray, box: tuple[int, int, int, int], opts: FaceOptions) -> bytes:
    top, right, bottom, left = box
    margin = int(0.3 * max(bottom - top, right - left))
    h, w = frame.shape[:2]
    y0, y1 = max(0, top - margin), min(h, bottom + margin)
    x0, x1 = max(0, left - margin), min(w, right + margin)
    crop = frame[y0:y1, x0:x1]
    longest = max(crop.shape[:2])
    if longest > opts.crop_size:
        f = opts.crop_size / longest
        crop = cv2.resize(crop, (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f))),
                          interpolation=cv2.INTER_AREA)  # fmt: skip
    ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, opts.jpeg_quality])
    return jpeg.tobytes()


def _sharpness(grey: np.ndarray, box: tuple[int, int, int, int]) -> float:
    top, right, bottom, left = box
    face = grey[top:bottom, left:right]
    if face.size == 0:
        return 0.0
    face = cv2.resize(face, (112, 112), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())


def _detect(rgb: np.ndarray, scale: float, opts: FaceOptions) -> list[tuple]:
    """[(top, right, bottom, left) in frame pixels, score] found on the frame resized by `scale`."""
    detector = models.load(opts.model)[0]
    h, w = rgb.shape[:2]
    if scale != 1:
        interp = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
        image = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=interp)
    else:
        image = rgb
    out = []
    for (top, right, bottom, left), score in detector.detect(image, opts.hog_threshold):
        top, left = max(0, round(top / scale)), max(0, round(left / scale))
        bottom, right = min(h, round(bottom / scale)), min(w, round(right / scale))
        if bottom - top >= 8 and right - left >= 8:
            out.append(((top, right, bottom, left), float(score)))
    return out


def _encode(frame_bgr: np.ndarray, rgb: np.ndarray, found: list[tuple], opts: FaceOptions) -> list[tuple]:
    """Encodings (one batch per frame), sharpness, frontality and crops."""
    if not found:
        return []
    encoded = models.load(opts.model)[1].encode(rgb, [box for box, _ in found])
    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    return [
        (box, score, _sharpness(grey, box), front, emb, _crop(frame_bgr, box, opts))
        for (box, score), (emb, front) in zip(found, encoded, strict=True)
    ]


class _Detector:
    """Two passes per video. The upscaled small-face pass (faces down to `min_face`) runs on
    frames where the plain pass (faces of 80 px and more, about 4x cheaper) found nothing or a
    box of its smallest size (a smaller face seen coarsely); every other frame gets the plain
    pass alone.
    Once the small-face pass finds a face the plain pass could not, the video is in small-face
    mode and every later frame gets the upscaled pass.
    """

    def __init__(self, opts: FaceOptions):
        self.opts = opts
        self.small_mode = False

    def __call__(self, rgb: np.ndarray) -> list[tuple]:
        h, w = rgb.shape[:2]
        base = min(1.0, math.sqrt(self.opts.base_pixels / max(1, w * h)))
        up = detection_scale(w, h, self.opts)
        if up <= base * 1.05:
            return _detect(rgb, up, self.opts)
        # the smallest box the plain pass can return, in frame pixels
        window = models.load(self.opts.model)[0].window / base
        if not (self.small_mode or self.opts.thorough):
            plain = _detect(rgb, base, self.opts)
            # the plain pass's smallest boxes (about 72 px: its first pyramid level) hold any face
            # from 50 to 75 px: measure those again upscaled
            if plain and all(min(b[2] - b[0], b[1] - b[3]) >= window for b, _ in plain):
                return plain
        found = _detect(rgb, up, self.opts)
        too_small_for_plain = window * 0.9
        if any(min(b[2] - b[0], b[1] - b[3]) < too_small_for_plain for b, _ in found):
            self.small_mode = True
        return found


def faces_in_frame(frame_bgr: np.ndarray, opts: FaceOptions, detector: _Detector | None = None) -> list[tuple]:
    """Detect and encode the faces of one frame: [(box, score, sharpness, frontality, emb, crop)]."""
    rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
    found = (detector or _Detector(opts))(rgb)
    return _encode(frame_bgr, rgb, found, opts)


class _Evidence:
    """Who has been seen so far in one video, to decide when sampling can stop.

    Faces join the person seen earlier that they are closest to (within SAME_PERSON), else
    start a new one. The main person (most face area) is known well enough once they have at
    least `min_frames` faces, twice the face area of anyone else, and the standard error of their
    mean face, spread / sqrt(n), is under `opts.main_error`: three faces of a large, clean face;
    more when faces are small and degraded or two people share the screen.
    """

    def __init__(self, opts: FaceOptions):
        self.opts = opts
        self.people: list[list[np.ndarray]] = []
        self.area: list[float] = []
        self.quiet = 0  # frames in a row with nobody new
        self.frames = 0

    def add_frame(self, faces: list[tuple[np.ndarray, int]]) -> None:
        self.frames += 1
        new = False
        for emb, size in faces:
            means = [np.mean(p, axis=0) for p in self.people]
            d = [float(np.linalg.norm(m - emb)) for m in means]
            if d and min(d) < SAME_PERSON:
                k = int(np.argmin(d))
                self.people[k].append(emb)
                self.area[k] += size
            else:
                self.people.append([emb])
                self.area.append(float(size))
                new = True
        self.quiet = 0 if new else self.quiet + 1

    def main_error(self) -> float:
        """Standard error of the main person's mean face (inf with fewer than `min_frames` faces)."""
        faces = np.array(self.people[int(np.argmax(self.area))], dtype=np.float64)
        n = len(faces)
        if n < max(2, self.opts.min_frames):
            return math.inf
        spread = math.sqrt(((faces - faces.mean(axis=0)) ** 2).sum() / (n - 1))
        return spread / math.sqrt(n)

    def clear_lead(self) -> bool:
        """The main person has at least twice the face area of anyone else (who is main is settled)."""
        area = sorted(self.area, reverse=True)
        return len(area) < 2 or area[0] >= 2 * area[1]

    def enough(self) -> bool:
        o = self.opts
        if o.thorough or self.frames < o.min_frames:
            return False
        if not self.people:
            return self.frames >= o.empty_frames
        return self.quiet >= o.stable_frames and self.clear_lead() and self.main_error() <= o.main_error


def process_video(path: str | Path, opts: FaceOptions | None = None) -> VideoResult:
    """Sample frames of the video at `path` and return every face found with its encoding.

    Frames are visited coarse to fine (middle, quarters, eighths, ...), so any prefix covers
    the whole video; sampling stops once the main person is known well enough and the last
    frames showed nobody new (see `_Evidence`), or when no frame shows a face.
    """
    opts = opts or FaceOptions()
    with models.using(opts.model):  # one loaded pair of face models for the whole video
        return _process(Path(path), opts)


def _process(path: Path, opts: FaceOptions) -> VideoResult:
    started = time.perf_counter()
    frames = iter_frames(path, opts.fps, opts.max_frames, opts.decoder_threads)
    info = next(frames)
    detector, encoder = models.load(opts.model)
    result = VideoResult(info.duration_s, info.fps, None, None, 0, 0.0, detector=detector.name, encoder=encoder.name)
    detector = _Detector(opts)
    evidence = _Evidence(opts)
    try:
        for index, ts, frame in frames:
            if result.width is None:
                result.height, result.width = frame.shape[:2]
            result.frames_sampled += 1
            dhash = frame_hash(frame)
            if dhash is not None:
                result.frame_hashes.append((ts, dhash))
            seen = []
            for box, score, sharp, front, emb, crop in faces_in_frame(frame, opts, detector):
                top, right, bottom, left = box
                size = round(math.sqrt((bottom - top) * (right - left)))
                result.faces.append(Face(index, ts, box, size, score, sharp, front, emb, crop))
                seen.append((emb, size))
            evidence.add_frame(seen)
            if evidence.enough():
                break
    finally:
        frames.close()
    if result.frames_sampled == 0:
        raise VideoError("no decodable video frames (truncated, audio only or not a video)")
    result.faces.sort(key=lambda f: (f.frame_index, f.box))
    result.process_s = time.perf_counter() - started
    return result
