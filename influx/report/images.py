"""Face crops read back from a database, which may come from someone else: only small, valid JPEGs."""

from __future__ import annotations

MAX_SIDE = 1024  # influx writes crops of at most 256 px a side
MAX_BYTES = 256_000  # influx's crops are ~10-30 KB; larger ones are not read from the file at all
MAX_TOTAL = 64_000_000  # face images one report writes in all (people.html, face files, PDF)
SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers (0xC4 DHT, 0xC8 JPG, 0xCC DAC)


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame header, walking the marker segments; None when the
    segments do not lead to one (not a JPEG, or a damaged header)."""
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before the data
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2:
            return None
        if marker in SOF:
            if i + 9 > n:
                return None
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


def safe_jpeg(data) -> bytes | None:
    """`data` if it is a JPEG whose header declares a sane size (no decompression bomb), else None.
    Only the header is read: a damaged body draws as a damaged picture, never as anything else."""
    if not isinstance(data, bytes | bytearray) or data[:3] != b"\xff\xd8\xff" or len(data) > MAX_BYTES:
        return None
    size = jpeg_size(bytes(data))
    if size is None or not (0 < size[0] <= MAX_SIDE and 0 < size[1] <= MAX_SIDE):
        return None
    return bytes(data)


class Budget:
    """The bytes of face images a report may still write: a file from someone else cannot make a
    huge report, whatever it holds (each crop is at most MAX_BYTES; all of them MAX_TOTAL)."""

    def __init__(self, total: int = MAX_TOTAL):
        self.left, self.skipped = total, 0

    def take(self, jpeg: bytes | None) -> bytes | None:
        """`jpeg` if it still fits, else None (counted in `skipped`)."""
        if jpeg is None:
            return None
        if len(jpeg) > self.left:
            self.skipped += 1
            return None
        self.left -= len(jpeg)
        return jpeg
