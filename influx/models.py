"""Face models behind one small interface: a detector returns boxes and scores, an encoder returns
vectors of a declared size. dlib's HOG detector and ResNet encoder are the default; `fake` is a
detector and encoder for tests, which read who is on screen from the synthetic test videos of
`synth.render_fake` (no dlib, a few milliseconds a frame).

Every face stored records the detector and encoder that produced it (`faces.detector`,
`faces.encoder`); faces from different encoders are never clustered together.
"""

from __future__ import annotations

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


DETECTORS = {"hog": DlibHog, "cnn": DlibCnn, "fake": FakeDetector}
ENCODERS = {"hog": OnnxResnet, "cnn": OnnxResnet, "fake": FakeEncoder}


_loaded = threading.local()


def load(model: str) -> tuple[Detector, Encoder]:
    """The detector and encoder of `model` (hog, cnn or fake), loaded once per thread: dlib's
    models are not safe to share between threads (a Dask worker runs several tasks at once unless
    started with --nthreads 1; two threads on one model corrupted memory here)."""
    models = getattr(_loaded, "models", None)
    if models is None:
        models = _loaded.models = {}
    if model not in models:
        models[model] = (DETECTORS[model](), ENCODERS[model]())
    return models[model]
