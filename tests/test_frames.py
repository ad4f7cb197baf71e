"""Frame sampling: frames kept on the way to one sample serve later samples unchanged."""

import numpy as np

from influx import frames


def _sample(path, n):
    it = frames.iter_frames(path, 2.0, 16, 1)
    next(it)
    out = [f for _, f in zip(range(n), it, strict=False)]
    it.close()
    return out


def test_frames_passed_on_the_way_are_the_frames_a_decode_would_give(videos, monkeypatch):
    kept = []
    real = frames._keep_passed

    def counting(frame, t, rate, todo, passed):
        real(frame, t, rate, todo, passed)
        kept.append(len(passed))

    for name in ("grace_big", "obama_b", "grace_portrait"):
        monkeypatch.setattr(frames, "_keep_passed", counting)
        with_cache = _sample(videos[name], 8)
        monkeypatch.setattr(frames, "CACHE_BYTES", 0)
        without = _sample(videos[name], 8)
        monkeypatch.undo()
        assert len(with_cache) == len(without) == 8
        for (i, t, a), (j, u, b) in zip(with_cache, without, strict=True):
            assert (i, t) == (j, u)
            assert np.array_equal(a, b)
    assert max(kept) > 0  # frames were kept on the way, and served later samples above
