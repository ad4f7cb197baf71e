"""Where ingest time goes: `process_video` on every clip of a set in one process, with CPU time
split into decoding, face detection, face encoding and the rest (crops, sharpness, hashing).

    uv run python bench/where_time_goes.py               # bench/identity.py's 64 short clips
    uv run python bench/where_time_goes.py --model hog
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as in a worker
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.identity import build_set  # noqa: E402
from influx.faces import extract as faces  # noqa: E402
from influx.faces import frames, models  # noqa: E402


class Clock:
    """Wraps a function and adds its CPU time (time.process_time) to `seconds`."""

    def __init__(self, fn):
        self.fn, self.seconds, self.calls = fn, 0.0, 0

    def __call__(self, *args, **kw):
        started = time.process_time()
        try:
            return self.fn(*args, **kw)
        finally:
            self.seconds += time.process_time() - started
            self.calls += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=models.default_model())
    args = ap.parse_args()
    clips = [path for name, path, person in build_set() if name != "corrupt"]
    detector, encoder = models.load(args.model)  # loaded before timing, as a worker does once
    detect, encode = Clock(detector.detect), Clock(encoder.encode)
    detector.detect, encoder.encode = detect, encode
    decode = Clock(None)  # seconds and frames of the sampling generator (seeking, decoding, BGR)
    sampled = frames._sampled

    def timed_sampled(*a):  # decoding happens while the generator runs: time each step
        gen = sampled(*a)
        while True:
            started = time.process_time()
            try:
                item = next(gen)
            except StopIteration:
                decode.seconds += time.process_time() - started
                return
            decode.seconds += time.process_time() - started
            decode.calls += 1
            yield item

    frames._sampled = timed_sampled
    opts = faces.FaceOptions(model=args.model, decoder_threads=1)
    started, n_frames, n_faces = time.process_time(), 0, 0
    for path in clips:
        r = faces.process_video(path, opts)
        n_frames, n_faces = n_frames + r.frames_sampled, n_faces + len(r.faces)
    total = time.process_time() - started
    rest = total - detect.seconds - encode.seconds - decode.seconds
    print(f"{len(clips)} clips, {n_frames} frames, {n_faces} faces, model {args.model}, one process")
    print(f"  total      {total:6.1f} CPU s")
    for name, clock, unit in (("detection", detect, "call (one per frame, two for hog's upscaled pass)"),
                              ("encoding", encode, "frame with faces"), ("decoding", decode, "frame")):  # fmt: skip
        print(f"  {name:10} {clock.seconds:6.1f} CPU s  {clock.seconds / total:4.0%}"
              f"  ({1000 * clock.seconds / max(1, clock.calls):.0f} ms a {unit})")  # fmt: skip
    print(f"  the rest   {rest:6.1f} CPU s  {rest / total:4.0%}  (crops, sharpness, frame hashes, opening files)")


if __name__ == "__main__":
    main()
