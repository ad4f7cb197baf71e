"""Writing synthetic videos: H.264 frames, remuxing and re-encoding (PyAV)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


class _H264Writer:
    """libx264 through PyAV, with cv2.VideoWriter's write/release."""

    def __init__(self, path: Path, fps: float, width: int, height: int):
        from fractions import Fraction

        import av

        self.container = av.open(str(path), "w", format="mp4")
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.options = {"crf": "26", "preset": "veryfast"}

    def write(self, frame: np.ndarray) -> None:
        import av

        for packet in self.stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
            self.container.mux(packet)

    def release(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def remux(src: str | Path, dst: str | Path, comment: str | None = None, faststart: bool = False) -> Path:
    """Copy the video stream of `src` into a new MP4 at `dst` without re-encoding: the same frames,
    with a `comment` tag (new bytes) or the index first (`faststart`, as streaming sites serve it)."""
    import av

    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4", options=options) as out:
        if comment is not None:
            out.metadata["comment"] = comment
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:  # the demuxer's final empty packet
                packet.stream = stream
                out.mux(packet)
    return Path(dst)


def reencode(
    src: str | Path,
    dst: str | Path,
    width: int,
    height: int,
    codec: str = "mpeg4",
    bitrate: int = 400_000,
    start_s: float = 0.0,
) -> Path:
    """Decode `src` and encode it again, as a re-upload does: another size, codec and bitrate, the
    first `start_s` seconds cut off."""
    from fractions import Fraction

    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4") as out:
        video = inp.streams.video[0]
        stream = out.add_stream(codec, rate=Fraction(video.average_rate or 25).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt, stream.bit_rate = width, height, "yuv420p", bitrate
        for frame in inp.decode(video):
            if frame.time is not None and frame.time < start_s:
                continue
            image = cv2.resize(frame.to_ndarray(format="bgr24"), (width, height), interpolation=cv2.INTER_AREA)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return Path(dst)
