"""dlib's HOG and CNN detectors and its ResNet encoder."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np

from influx.faces.models.base import Box


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
        from influx.faces.models.resnet_onnx import SIZE, Session

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
