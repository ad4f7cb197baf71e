"""Writing the report's files so that nothing outside the output folder can change: a file is
written to a new temporary file in its folder and renamed over the name (a symlink there is
replaced, never followed), and a symlinked subfolder is replaced by a real one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def folder(path: Path) -> Path:
    """`path` as a real folder inside its parent: a symlink there (to a folder elsewhere) is removed
    first, so that writing into it cannot reach the link's target."""
    if path.is_symlink():
        path.unlink()
    path.mkdir(exist_ok=True)
    return path


def write(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` without following a symlink or touching any other file: a temporary
    file in the same folder (created exclusively, so never through a link), then os.replace."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
