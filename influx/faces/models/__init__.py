from influx.faces.models.base import Box, Detector, Encoder
from influx.faces.models.dlib import DlibCnn, DlibHog, DlibResnet, OnnxResnet
from influx.faces.models.fake import FAKE_DIM, FAKE_PEOPLE, FakeDetector, FakeEncoder, fake_centres, fake_hue
from influx.faces.models.registry import DETECTORS, ENCODERS, default_model, load, ready, using
from influx.faces.models.yunet import YuNetHog

__all__ = [
    "Box",
    "DETECTORS",
    "Detector",
    "DlibCnn",
    "DlibHog",
    "DlibResnet",
    "ENCODERS",
    "Encoder",
    "FAKE_DIM",
    "FAKE_PEOPLE",
    "FakeDetector",
    "FakeEncoder",
    "OnnxResnet",
    "YuNetHog",
    "default_model",
    "fake_centres",
    "fake_hue",
    "load",
    "ready",
    "using",
]
