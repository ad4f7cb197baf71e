"""The face models: dlib's encoder on ONNX Runtime gives dlib's own vectors, and a model file that
is not the network it knows is refused."""

import cv2
import numpy as np
import pytest

from influx import models, resnet_onnx
from influx.synth import builtin_photos

pytestmark = pytest.mark.slow  # the real face models


def _faces():
    """(RGB image, face boxes) of every built-in photo, also shrunk to small, blurred faces."""
    detector = models.DlibHog()
    out = []
    for photos in builtin_photos().values():
        for bgr in photos:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            for scale in (1.0, 0.35):
                img = rgb if scale == 1 else cv2.GaussianBlur(cv2.resize(rgb, None, fx=scale, fy=scale), (3, 3), 0)
                found = detector.detect(cv2.resize(img, None, fx=2, fy=2) if scale != 1 else img, 0)
                f = 2 if scale != 1 else 1
                boxes = [tuple(round(v / f) for v in box) for box, _ in found]
                if boxes:
                    out.append((np.ascontiguousarray(img), boxes))
    return out


def test_onnx_runtime_gives_dlibs_vectors():
    reference, onnx = models.DlibResnet(), models.OnnxResnet()
    faces = _faces()
    assert sum(len(b) for _, b in faces) >= 8
    for img, boxes in faces:
        want, got = reference.encode(img, boxes), onnx.encode(img, boxes)
        assert len(got) == len(want) == len(boxes)
        for (a, front_a), (b, front_b) in zip(want, got, strict=True):
            assert b.shape == (128,) and b.dtype == np.float32
            assert np.abs(a - b).max() < 1e-4
            assert front_a == front_b
    assert onnx.name == reference.name  # the same vectors: faces of both runtimes cluster together
    # different faces give different vectors (the check above is not comparing constants)
    vectors = [v for img, boxes in faces for v, _ in onnx.encode(img, boxes)]
    assert max(np.linalg.norm(vectors[0] - v) for v in vectors[1:]) > 0.3


def test_a_model_file_that_is_not_the_network_is_refused():
    with open(models.OnnxResnet().model_path, "rb") as f:
        data = f.read()
    resnet_onnx.read(data)  # the real file reads to its last byte
    with pytest.raises(resnet_onnx.FormatError, match="ends early"):
        resnet_onnx.read(data[:-100])
    with pytest.raises(resnet_onnx.FormatError, match="end of the network"):
        resnet_onnx.read(data + b"\x00")
    broken = data.replace(b"\x05con_4", b"\x05con_5", 1)
    with pytest.raises(resnet_onnx.FormatError, match="layer 0"):
        resnet_onnx.read(broken)
