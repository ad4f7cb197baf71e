"""The fake detector and encoder of the tests: who is on screen, read from synthetic videos."""

from __future__ import annotations

from functools import cache

import numpy as np

from influx.faces.models.base import Box

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
