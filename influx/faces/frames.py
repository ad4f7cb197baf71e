"""Frames: pick and decode the frames of a video that face detection looks at.

Decoding is the floor of the cost of a video, so influx decodes as little as it can: it spreads
the samples over the video, takes a keyframe when one lies near a sample time (a keyframe decodes
on its own, without the frames before it), and otherwise decodes forward from the last position,
seeking only when that is shorter. Rotation metadata (phone videos) is applied.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class VideoError(Exception):
    """The file cannot be decoded as a video."""


@dataclass
class StreamInfo:
    duration_s: float | None
    fps: float


def sample_times(duration: float, fps: float, max_frames: int) -> list[float]:
    """`fps` samples per second, at most `max_frames`, at the centres of equal slices."""
    n = max(1, min(max_frames, math.ceil(duration * fps)))
    return [(i + 0.5) * duration / n for i in range(n)]


# The demuxers influx reads (FFmpeg's names): MP4/MOV/3GP, Matroska/WebM, AVI, FLV, MPEG-TS, MPEG-PS,
# ASF/WMV, Ogg. None of them opens another file or a URL, as FFmpeg's concat (an `ffconcat` text
# file naming local videos), HLS or DASH playlists, or image sequences would: a downloaded "video"
# must not make FFmpeg read anything but itself. The file is probed among these formats only, and
# only the plain `file` protocol is allowed for anything the demuxer opens.
FORMATS = ("mov", "matroska", "avi", "flv", "mpegts", "mpeg", "asf", "ogg")
OPEN_OPTIONS = {"format_whitelist": ",".join(FORMATS), "protocol_whitelist": "file"}
FORMATS_READ = "MP4/MOV, Matroska/WebM, AVI, FLV, MPEG-TS/PS, ASF/WMV, Ogg"


def _open(path: Path):
    import av

    try:
        container = av.open(str(path), metadata_errors="ignore", options=OPEN_OPTIONS)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as e:
        raise VideoError(f"not a video file influx decodes ({FORMATS_READ}): {e}") from None
    if not set(container.format.name.split(",")) & set(FORMATS):  # the whitelist, checked again
        name = container.format.name
        container.close()
        raise VideoError(f"a file in the {name!r} format, not one influx decodes ({FORMATS_READ})")
    if not container.streams.video:
        container.close()
        raise VideoError("no video stream in the file (audio only?)")
    cc = container.streams.video[0].codec_context
    if max(cc.width or 0, cc.height or 0) > MAX_SIDE:
        container.close()
        raise VideoError(f"frames of {cc.width}x{cc.height} px: over the {MAX_SIDE} px a side influx decodes")
    return container


MAX_SIDE = 8192  # a video with larger frames is refused before decoding (one 16k frame is 0.8 GB)
BIG_SIDE = 4096  # larger frames (over 4K) are shrunk to this on their longer side when converted


def _to_bgr(frame) -> np.ndarray:
    if max(frame.width, frame.height) > MAX_SIDE:  # a stream that grows its frames mid-way
        raise VideoError(f"a frame of {frame.width}x{frame.height} px: over the {MAX_SIDE} px a side influx decodes")
    scale = min(1.0, BIG_SIDE / max(frame.width, frame.height))
    if scale < 1:
        size = {"width": max(1, round(frame.width * scale)), "height": max(1, round(frame.height * scale))}
        image = frame.to_ndarray(format="bgr24", **size)
    else:
        image = frame.to_ndarray(format="bgr24")
    rotation = round((getattr(frame, "rotation", 0) or 0) / 90) % 4  # counter-clockwise quarter turns
    return np.ascontiguousarray(np.rot90(image, k=rotation)) if rotation else image


def iter_frames(path: Path, fps: float, max_frames: int, threads: int = 0) -> Iterator:
    """Yield StreamInfo first, then (frame_index, timestamp_s, BGR image) for each sampled frame."""
    import av

    container = _open(path)
    try:
        stream = container.streams.video[0]
        # B-frames are never references for the I and P frames, so skipping them is exact for
        # the frames we keep and decodes 2-4x faster; a sample then lands on the next I/P frame.
        stream.codec_context.skip_frame = "BIDIR"
        if threads:  # 0: FFmpeg's choice
            stream.codec_context.thread_count = threads
        tb = float(stream.time_base) if stream.time_base else 1 / 90000
        rate = float(stream.average_rate or stream.guessed_rate or 0) or 25.0
        if stream.duration:
            duration = stream.duration * tb
        elif container.duration:
            duration = container.duration / av.time_base
        else:
            duration = None
        yield StreamInfo(duration, rate)
        try:
            if duration is None or duration <= 0:
                yield from _sequential(container, stream, rate, fps, max_frames)
            else:
                yield from _sampled(container, stream, tb, rate, sample_times(duration, fps, max_frames))
        except av.error.FFmpegError:
            return  # a truncated or corrupt tail: keep what was decoded
    finally:
        container.close()


def _sequential(container, stream, rate, fps, max_frames):
    """Unknown length: take frames at the target rate until `max_frames`."""
    next_t, taken = 0.0, 0
    for frame in container.decode(stream):
        t = frame.time if frame.time is not None else 0.0
        if t + 1e-6 >= next_t:
            yield round(t * rate), t, _to_bgr(frame)
            taken += 1
            next_t = t + 1 / fps
            if taken >= max_frames:
                return


def _keyframes(container, stream, tb) -> list[float]:
    """Times of the keyframes, from the packet index (no decoding)."""
    times = []
    try:
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None:
                times.append(packet.pts * tb)
    except Exception:  # noqa: BLE001 - a corrupt tail: use the keyframes found so far
        pass
    return sorted(set(times))


def coarse_to_fine(n: int) -> list[int]:
    """0..n-1 in an order that covers the whole range early: middle, quarters, eighths, ..."""
    order, seen = [], set()
    depth = 1
    while len(order) < n:
        for k in range(depth):
            i = min(n - 1, int((k + 0.5) * n / depth))
            if i not in seen:
                seen.add(i)
                order.append(i)
        depth *= 2
    return order


def _sampled(container, stream, tb, rate, targets):
    """Decode the frames nearest to `targets`, visited coarse to fine (the caller may stop early).
    A sample that cannot be decoded (a corrupt or truncated part of the file) is skipped.

    Decoding forward to a sample passes later samples' frames (the middle's decode passes the
    first quarter): up to CACHE_BYTES of those are kept, and their samples cost no decoding.
    """
    import av

    keys = _keyframes(container, stream, tb)
    spacing = targets[1] - targets[0] if len(targets) > 1 else max(targets[0], 1.0)
    frames = None  # the decoder, positioned just after `position`
    position = math.inf
    yielded: set[float] = set()
    passed: dict[float, object] = {}  # later sample -> the first frame at or after it, seen on the way
    # samples a decode reaches by decoding forward (the others decode a keyframe near them alone)
    todo = {t for t in targets if not any(abs(k - t) <= spacing / 2 for k in _either_side(keys, t))}
    for target in (targets[i] for i in coarse_to_fine(len(targets))):
        todo.discard(target)
        if target in passed:
            frame = passed.pop(target)
            t = frame.time if frame.time is not None else 0.0
            if all(abs(t - y) > 1e-6 for y in yielded):
                yielded.add(t)
                yield round(t * rate), t, _to_bgr(frame)
            continue
        i = bisect.bisect_right(keys, target) - 1
        key_before = keys[i] if i >= 0 else 0.0
        near = [k for k in _either_side(keys, target) if abs(k - target) <= spacing / 2 and k not in yielded]
        if near:  # a keyframe near the sample decodes alone
            want = seek_to = min(near, key=lambda k: abs(k - target))
        else:  # decode forward from here when no keyframe lies between, else from the keyframe before
            want = target
            seek_to = None if frames is not None and key_before <= position < target else key_before
        found = None
        try:
            if seek_to is not None:
                container.seek(int(seek_to / tb), stream=stream, backward=True, any_frame=False)
                frames = container.decode(stream)
            for frame in frames:
                t = frame.time if frame.time is not None else 0.0
                position = t
                if t + 1e-6 >= want - 0.5 / rate:
                    if all(abs(t - y) > 1e-6 for y in yielded):
                        yielded.add(t)
                        found = (round(t * rate), t, _to_bgr(frame))
                    break
                _keep_passed(frame, t, rate, todo, passed)
            else:
                frames, position = None, math.inf  # past the end: the next sample seeks
        except av.error.FFmpegError:  # this part is corrupt or missing (a truncated file): try the next
            frames, position = None, math.inf
        if found is not None:
            yield found


def _either_side(keys: list[float], t: float) -> list[float]:
    """The keyframe times at or just before `t` and just after it (`keys` sorted)."""
    i = bisect.bisect_right(keys, t) - 1
    return keys[max(0, i) : i + 2]


CACHE_BYTES = 32 * 2**20  # decoded frames kept for later samples (YUV 4:2:0: 1.4 MB a 720p frame, 3 MB 1080p)


def _keep_passed(frame, t: float, rate: float, todo: set[float], passed: dict) -> None:
    """Keep `frame` for each later sample it is the first frame at or after."""
    size = frame.width * frame.height * 3 // 2
    for target in todo:
        if target not in passed and t + 1e-6 >= target - 0.5 / rate and t < target + 0.5 / rate:
            if (len(passed) + 1) * size > CACHE_BYTES:
                return
            passed[target] = frame
