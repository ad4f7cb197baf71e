"""The videos folder: which files in it are influx's own downloads, and the only changes influx
makes there. A download is influx's when its `.source` record (the URL, SHA-256 and size, written
by influx beside it) matches its bytes; influx deletes or replaces only such files, and a
download never takes a name that is already used: the user's own files in the folder (`3.jpg`,
`3.notes.txt`, a `3.mp4` of their own) are never overwritten or deleted."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = ".influx-tmp-"  # a download's own folder inside --videos-dir while it runs


class NoName(Exception):
    """Every name influx could give a row's download is taken by other files."""


@dataclass
class Fetched:
    path: Path
    sha256: str
    bytes: int


def sha256_file(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _owned(path: Path) -> dict | None:
    """influx's `.source` record of `path` when influx wrote the file and its bytes are still the
    ones it wrote (its size and SHA-256); None for anything else: a file influx may not touch."""
    try:
        record = json.loads(path.with_name(path.name + ".source").read_text())
        if path.is_symlink() or not path.is_file() or not isinstance(record, dict):
            return None
        if path.stat().st_size != record.get("bytes") or not isinstance(record.get("url"), str):
            return None
    except (OSError, ValueError):
        return None
    return record if sha256_file(path)[0] == record.get("sha256") else None


def _delete(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".source").unlink(missing_ok=True)


def _downloads(row_index: int, folder: Path) -> list[Path]:
    """Files under this row's names (`<row>.<ext>`, `<row>.influx-N.<ext>`), records left out."""
    names = sorted(folder.glob(f"{row_index}.*")) if folder.is_dir() else []
    return [p for p in names if not p.name.endswith((".source", ".part")) and p.is_file()]


def forget(row_index: int, folder: Path) -> None:
    """Delete influx's own downloads for this row (its URL changed); every other file stays."""
    for path in _downloads(row_index, folder):
        if _owned(path) is not None:
            _delete(path)


def existing(url: str, row_index: int, folder: Path) -> Fetched | None:
    """A complete download of `url` from an earlier run: `<row>.<ext>` beside influx's `.source`
    record naming the same URL, SHA-256 and size. influx's own download of another URL under this
    row's name is deleted; a file influx did not write (no record, or changed since) is left alone."""
    found = None
    for path in _downloads(row_index, folder):
        record = _owned(path)
        if record is not None and record["url"] == url and found is None:
            found = Fetched(path, record["sha256"], record["bytes"])
        elif record is not None:
            _delete(path)
    return found


def keep(path: Path, url: str, row_index: int, folder: Path) -> Fetched:
    """Move a finished download to `<row>.<ext>` with its `.source` record; when that name is
    taken by a file influx did not write, to `<row>.influx-N.<ext>`: never over the user's file."""
    got = Fetched(path, *sha256_file(path))
    record = path.with_name(path.name + ".source")
    record.write_text(json.dumps({"url": url, "sha256": got.sha256, "bytes": got.bytes, "written_by": "influx"}))
    ext = path.suffix or ".mp4"
    for n in range(1000):
        final = folder / f"{row_index}{f'.influx-{n}' if n else ''}{ext}"
        source = final.with_name(final.name + ".source")
        if final.exists() or final.is_symlink() or source.exists() or source.is_symlink():
            continue
        if _place(path, final):
            if _place(record, source):
                return Fetched(final, got.sha256, got.bytes)
            final.unlink()  # the record's name was taken meanwhile: this name is not ours
    raise NoName(f"no free name for row {row_index}'s download in {folder}")


def _place(src: Path, dst: Path) -> bool:
    """Move `src` to `dst` unless `dst` exists (a hard link fails then); False when it did."""
    try:
        os.link(src, dst)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if dst.exists() or dst.is_symlink():
            return False
        os.rename(src, dst)
        return True
    src.unlink()
    return True


class StorageError(Exception):
    """The videos folder or the disk cannot take what the ingest must write; the run stops."""


def check_writable(folder: Path) -> None:
    """Fail early, before anything is stored, when downloads could not be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=TEMP_PREFIX):  # a new file of its own
            pass
    except OSError as e:
        raise StorageError(f"cannot write to --videos-dir {folder}: {e.strerror or e}") from None
