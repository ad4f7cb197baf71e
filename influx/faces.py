"""Frames, detection and encodings: turn one video file into a list of faces (a pure function)."""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

HOG_WINDOW = 80  # dlib's HOG detector finds faces of about this many pixels and larger
SEEK_GAP = 300  # seek instead of decoding forward when the next sample is this many frames away


class VideoError(Exception):
    """The file cannot be decoded as a video."""


@dataclass
class FaceOptions:
    fps: float = 1.0  # frames sampled per second of video
    max_frames: int = 60  # at most this many frames per video, spread over its length
    min_face: int = 40  # smallest face (pixels, original frame) the detector must find
    max_detect_pixels: int = 2560 * 1440  # cap on the detection image, bounding the cost per frame
    model: str = "hog"  # "hog" (CPU) or "cnn" (needs a GPU to be practical)
    crop_size: int = 256
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
    embedding: np.ndarray  # float32[128]
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


_models = None


def _load_models():
    """dlib models, loaded once per process (worker processes each load their own)."""
    global _models
    if _models is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # face_recognition_models warns about pkg_resources
            import dlib
            import face_recognition_models as frm
        _models = (
            dlib.get_frontal_face_detector(),
            dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
            dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
            dlib,
        )
    return _models


def sample_indices(n_frames: int, video_fps: float, opts: FaceOptions) -> list[int]:
    """Frame indices to look at: `opts.fps` per second, at most `opts.max_frames`, evenly spread."""
    if n_frames <= 0:
        return []
    duration = n_frames / video_fps if video_fps > 0 else n_frames
    wanted = max(1, min(opts.max_frames, math.ceil(duration * opts.fps)))
    step = n_frames / wanted
    return sorted({min(n_frames - 1, int(step * (i + 0.5))) for i in range(wanted)})


def iter_frames(path: Path, opts: FaceOptions):
    """Yield (frame_index, timestamp_s, BGR frame) for the sampled frames, plus stream facts first."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError("not a video file that can be decoded")
    try:
        n_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not (0 < fps < 1000):
            fps = 25.0
        yield n_frames, fps
        wanted = sample_indices(n_frames, fps, opts) if n_frames > 0 else None
        if wanted is None:  # unknown length: take frames at the target rate until the end
            every = max(1, round(fps / opts.fps))
            wanted = range(0, every * opts.max_frames, every)
        pos = 0  # index of the next frame grab() would return
        for index in wanted:
            if index - pos > SEEK_GAP:
                cap.set(cv2.CAP_PROP_POS_FRAMES, index)
                pos = index
            ok = True
            while pos < index and ok:
                ok = cap.grab()
                pos += 1
            if not ok:
                break
            ok, frame = cap.read()
            pos += 1
            if not ok or frame is None:
                break
            ts = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            yield index, ts if ts > 0 else index / fps, frame
    finally:
        cap.release()


def detection_scale(width: int, height: int, opts: FaceOptions) -> float:
    """Resize factor so that a face of `opts.min_face` px reaches the HOG window, within the pixel cap."""
    scale = HOG_WINDOW / max(1, opts.min_face)
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


def _frontality(shape) -> float:
    """1 when the nose sits midway between the eyes (frontal), falling to 0 in profile."""
    p = np.array([(shape.part(i).x, shape.part(i).y) for i in range(5)], dtype=float)
    eye_a, eye_b, nose = (p[0] + p[1]) / 2, (p[2] + p[3]) / 2, p[4]
    axis = eye_b - eye_a
    norm = float(axis @ axis)
    if norm == 0:
        return 0.0
    t = float((nose - eye_a) @ axis) / norm
    return max(0.0, 1.0 - 2.0 * abs(t - 0.5))


def faces_in_frame(frame_bgr: np.ndarray, opts: FaceOptions) -> list[tuple]:
    """Detect and encode the faces of one frame: [(box, score, sharpness, frontality, emb, crop)]."""
    detector, predictor, encoder, dlib = _load_models()
    h, w = frame_bgr.shape[:2]
    rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
    scale = detection_scale(w, h, opts)
    if opts.model == "cnn":
        import face_recognition

        small = cv2.resize(rgb, (round(w * scale), round(h * scale))) if scale != 1 else rgb
        found = [(r.rect, r.confidence) for r in face_recognition.api.cnn_face_detector(small, 0)]
    else:
        # Colour, not grey: dlib takes the strongest gradient over the channels, which keeps
        # borderline faces (compressed, looking down) that grey loses, for ~30% more time.
        interp = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
        small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=interp)
        rects, scores, _ = detector.run(small, 0, 0.0)
        found = list(zip(rects, scores, strict=True))
    grey_full = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    boxes, shapes, scores = [], dlib.full_object_detections(), []
    for rect, score in found:
        top = max(0, round(rect.top() / scale))
        left = max(0, round(rect.left() / scale))
        bottom = min(h, round(rect.bottom() / scale))
        right = min(w, round(rect.right() / scale))
        if bottom - top < 8 or right - left < 8:
            continue
        full_rect = dlib.rectangle(left, top, right, bottom)
        shapes.append(predictor(rgb, full_rect))
        boxes.append((top, right, bottom, left))
        scores.append(float(score))
    if not boxes:
        return []
    embeddings = encoder.compute_face_descriptor(rgb, shapes, 0)
    out = []
    for box, score, shape, emb in zip(boxes, scores, shapes, embeddings, strict=True):
        out.append(
            (box, score, _sharpness(grey_full, box), _frontality(shape),
             np.asarray(emb, dtype=np.float32), _crop(frame_bgr, box, opts))
        )  # fmt: skip
    return out


def process_video(path: str | Path, opts: FaceOptions | None = None) -> VideoResult:
    """Sample frames of the video at `path` and return every face found with its encoding."""
    opts = opts or FaceOptions()
    started = time.perf_counter()
    frames = iter_frames(Path(path), opts)
    n_frames, fps = next(frames)
    result = VideoResult(None, fps, None, None, 0, 0.0)
    for index, ts, frame in frames:
        if result.width is None:
            result.height, result.width = frame.shape[:2]
        result.frames_sampled += 1
        for box, score, sharp, front, emb, crop in faces_in_frame(frame, opts):
            top, right, bottom, left = box
            size = round(math.sqrt((bottom - top) * (right - left)))
            result.faces.append(Face(index, ts, box, size, score, sharp, front, emb, crop))
    if result.frames_sampled == 0:
        raise VideoError("no decodable video frames (truncated, audio only or not a video)")
    result.duration_s = n_frames / fps if n_frames > 0 else None
    result.process_s = time.perf_counter() - started
    return result
