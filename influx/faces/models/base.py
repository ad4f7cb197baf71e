"""The two interfaces a face model implements: a detector and an encoder."""

from __future__ import annotations

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
