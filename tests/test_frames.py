"""Frame sampling: frames kept on the way to one sample serve later samples unchanged."""

import numpy as np
import pytest

from influx.faces import frames


def _sample(path, n):
    it = frames.iter_frames(path, 2.0, 16, 1)
    next(it)
    out = [f for _, f in zip(range(n), it, strict=False)]
    it.close()
    return out


def test_frames_passed_on_the_way_are_the_frames_a_decode_would_give(fake_videos, monkeypatch):
    kept = []
    real = frames._keep_passed

    def counting(frame, t, rate, todo, passed):
        real(frame, t, rate, todo, passed)
        kept.append(len(passed))

    for name, n in (("long_gop", 8), ("p2_1", 6), ("portrait", 6)):  # 4 s and 3 s long, sampled at 2 a second
        monkeypatch.setattr(frames, "_keep_passed", counting)
        with_cache = _sample(fake_videos[name], n)
        monkeypatch.setattr(frames, "CACHE_BYTES", 0)
        without = _sample(fake_videos[name], n)
        monkeypatch.undo()
        assert len(with_cache) == len(without) == n, name
        for (i, t, a), (j, u, b) in zip(with_cache, without, strict=True):
            assert (i, t) == (j, u)
            assert np.array_equal(a, b)
    assert max(kept) > 0  # frames were kept on the way, and served later samples above


def _wide_video(path, width: int, height: int = 32, n: int = 3):
    """A tiny MJPEG video of frames `width` px wide (MJPEG allows up to 65,535)."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=5)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        for i in range(n):
            image = np.full((height, width, 3), 40 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_frames_over_8192_px_are_refused_and_over_4096_shrunk(tmp_path):
    """A crafted video of huge frames is refused before decoding (one 16,384 px square frame is
    0.8 GB); frames over 4K are shrunk on their longer side, keeping their shape."""
    with pytest.raises(frames.VideoError, match="over the 8192 px"):
        list(frames.iter_frames(_wide_video(tmp_path / "huge.mkv", 8200), 2.0, 3))
    got = list(frames.iter_frames(_wide_video(tmp_path / "wide.mkv", 6144), 2.0, 3))[1:]
    assert got and all(image.shape == (21, 4096, 3) for _, _, image in got)
    normal = list(frames.iter_frames(_wide_video(tmp_path / "ok.mkv", 4096), 2.0, 3))[1:]
    assert normal and all(image.shape == (32, 4096, 3) for _, _, image in normal)
