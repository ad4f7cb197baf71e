"""Face crops read back from a database, which may come from someone else: only small, valid JPEGs."""

from __future__ import annotations

import io

MAX_SIDE = 1024  # influx writes crops of at most 256 px a side
MAX_BYTES = 2_000_000


def safe_jpeg(data) -> bytes | None:
    """`data` if it is a JPEG whose header declares a sane size (no decompression bomb), else None.
    Only the header is read: a damaged body draws as a damaged picture, never as anything else."""
    if not isinstance(data, bytes | bytearray) or data[:2] != b"\xff\xd8" or len(data) > MAX_BYTES:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(bytes(data))) as image:  # reads the header, not the pixels
            if image.format != "JPEG" or max(image.size) > MAX_SIDE:
                return None
    except Exception:  # noqa: BLE001 - any decoding error means: not a usable crop
        return None
    return bytes(data)
