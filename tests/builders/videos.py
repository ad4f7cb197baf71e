"""Video files for the tests, rendered once into fixtures/build/ (a cache kept between runs).

Fake videos show each person as a square of their own colour, which the fake face models (model
"fake") read: no real model makes or reads them, and the tests not marked slow use only these.
Real-face videos paste heads cut from photos (face_recognition finds the face in each photo): only
the slow tests, which run the real models, use them.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import struct
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

from influx.demo.encode import reencode, remux
from influx.demo.synth import Shot, render, render_fake, render_no_face

BUILD = Path(__file__).resolve().parents[2] / "fixtures" / "build"


@contextlib.contextmanager
def building():
    """Build the cached files one process at a time (pytest -n 2 runs two test processes)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(BUILD / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def cached(path: Path, make: Callable[[Path], object]) -> Path:
    """`path`, written by `make(tmp)` then renamed unless it exists (never a half-written file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
        make(tmp)
        tmp.replace(path)
    return path


# ---- fake videos (the fake face models) -------------------------------------------------------

# name -> (people on screen as (person, size px, from, until), the true influencer): five people,
# three videos each, a second person 40% of the time in each p*_1, and one video of nobody
FAKE: dict[str, tuple[list[tuple[int, int, float, float]], int | None]] = {}
for _person in range(5):
    for _k in range(3):
        _others = [((_person + 1 + _k) % 5, 45, 0.3, 0.7)] if _k == 1 else []
        FAKE[f"p{_person}_{_k}"] = ([(_person, 70 + 15 * _k, 0.0, 1.0), *_others], _person)
FAKE["nobody"] = ([], None)


def fake_video(name: str, people: list[tuple[int, int, float, float]], seed: int, **kw) -> Path:
    """A cached `synth.render_fake` video: fixtures/build/fake/<name>.mp4."""
    with building():
        return cached(BUILD / "fake" / f"{name}.mp4", lambda tmp: render_fake(tmp, people, seed=seed, **kw))


def fake_videos() -> dict[str, Path]:
    """The FAKE videos, plus `p0_0_copy` (p0_0's bytes under another name), `truncated` (the
    first 1,500 bytes of p1_0: unreadable), `portrait` (360x640, one person) and `long_gop` (4 s
    of two people in H.264 with one keyframe, as real ads: a sample is reached by decoding forward)."""
    out = {name: fake_video(name, people, seed=100 + i) for i, (name, (people, _)) in enumerate(FAKE.items())}
    out["portrait"] = fake_video("portrait", [(6, 90, 0.0, 1.0)], seed=200, width=360, height=640)
    mp4v = fake_video("long_gop_source", [(7, 80, 0.0, 1.0), (8, 50, 0.2, 0.8)], seed=201, seconds=4.0)
    with building():
        out["long_gop"] = cached(
            BUILD / "fake" / "long_gop.mp4", lambda tmp: reencode(mp4v, tmp, 640, 360, codec="libx264", bitrate=600_000)
        )
        out["p0_0_copy"] = cached(BUILD / "fake" / "p0_0_copy.mp4", lambda tmp: shutil.copyfile(out["p0_0"], tmp))
        out["truncated"] = cached(
            BUILD / "fake" / "truncated.mp4", lambda tmp: tmp.write_bytes(out["p1_0"].read_bytes()[:1500])
        )
    return out


def set_rotation(path: Path, degrees: int) -> None:
    """Write a display rotation into the first track header (tkhd matrix) of an MP4, as phones do."""
    matrices = {90: (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000),
                270: (0, -0x10000, 0, 0x10000, 0, 0, 0, 0, 0x40000000)}  # fmt: skip
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    offset = at - 4 + (48 if data[at + 4] == 0 else 60)
    data[offset : offset + 36] = struct.pack(">9i", *matrices[degrees])
    path.write_bytes(bytes(data))


def _square_colour(person: int) -> tuple[int, int, int]:
    """The BGR colour the fake detector reads as `person` (as synth.render_fake draws it)."""
    import cv2

    from influx.faces.models.fake import fake_hue

    return tuple(int(c) for c in cv2.cvtColor(np.uint8([[[fake_hue(person), 255, 220]]]), cv2.COLOR_HSV2BGR)[0, 0])


def _audio_only(path: Path) -> None:
    """A 2 s sine tone in AAC, no video stream."""
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=22050)
        t = np.arange(22050 * 2) / 22050
        samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        for s in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(samples[:, s : s + 1024], format="fltp", layout="mono")
            frame.sample_rate = 22050
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _rotated(path: Path) -> None:
    """A phone video: stored landscape with person 0 as a rectangle lying on its side (120 x 60
    px), displayed portrait, where the rectangle stands (60 x 120)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 360))
    for i in range(30):
        frame = np.full((360, 640, 3), 128, np.uint8)
        cv2.rectangle(frame, (200 + i, 120), (200 + i + 119, 179), _square_colour(0), -1)
        writer.write(frame)
    writer.release()
    set_rotation(path, 90)


def _two_hours(path: Path) -> None:
    """Two hours at 1 fps of tiny grey frames: sampling must cap the work."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 1, (96, 96))
    for i in range(7200):
        writer.write(np.full((96, 96, 3), 40 + i % 150, np.uint8))
    writer.release()


def _vfr(path: Path) -> None:
    """Variable frame rate: bursts of frames 33 ms apart and pauses of 250 ms, person 1 throughout."""
    import av
    import cv2

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        pts = 0
        for i in range(40):
            frame = np.full((360, 640, 3), 128, np.uint8)
            cv2.rectangle(frame, (200 + i, 60), (200 + i + 99, 159), _square_colour(1), -1)
            vf = av.VideoFrame.from_ndarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), format="rgb24")
            vf.pts = pts
            vf.time_base = stream.codec_context.time_base
            pts += 33 if i % 3 else 250
            for packet in stream.encode(vf):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _cut_short(path: Path) -> None:
    """A download cut short: 10 s of H.264 with the index first ("faststart", as streaming sites
    serve it), of which only the first 60% arrived."""
    whole = render_fake(path.with_name("cut_short.whole.mp4"), [(2, 90, 0.0, 1.0)], seconds=10, fps=25, seed=12)
    h264 = reencode(whole, path.with_name("cut_short.h264.mp4"), 640, 360, codec="libx264", bitrate=600_000)
    faststart = remux(h264, path.with_name("cut_short.faststart.mp4"), faststart=True)
    data = faststart.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    for p in (whole, h264, faststart):
        p.unlink()


def hard_files() -> dict[str, Path]:
    """Hard video files, on the fake models: audio only, one frame, rotated, two hours long,
    variable frame rate, and a download cut short."""
    makers = {
        "audio_only": _audio_only,
        "one_frame": lambda tmp: render_fake(tmp, [(3, 100, 0.0, 1.0)], seconds=0.1, fps=10, seed=11),
        "rotated": _rotated,
        "two_hours": _two_hours,
        "vfr": _vfr,
        "cut_short": _cut_short,
    }
    with building():
        return {name: cached(BUILD / "hard" / f"{name}.mp4", make) for name, make in makers.items()}


# ---- real-face videos (the slow tests) --------------------------------------------------------

# name -> shot; the true person of each video is Shot.person.
SHOTS: dict[str, Shot] = {
    "grace_big": Shot("grace_hopper", face=150, seed=1),
    "grace_small": Shot("grace_hopper", face=50, width=640, height=360, seed=2),
    "grace_portrait": Shot("grace_hopper", face=110, width=360, height=640, blur=1.2, seed=3),
    "obama_a": Shot("obama", photo=0, face=120, second="biden", second_face=60, seed=4),
    "obama_b": Shot("obama", photo=1, face=90, jpeg_quality=20, tilt=12, seed=5),
    "eileen_a": Shot("eileen_collins", face=130, seed=6),
    "eileen_b": Shot("eileen_collins", face=70, occlude=True, seed=7),
    "biden_a": Shot("biden", face=100, second="obama", second_face=60, second_until=0.5, seed=8),
}
TRUTH = {name: shot.person for name, shot in SHOTS.items()}


def real_videos() -> dict[str, Path]:
    """The SHOTS, plus `noface` (moving shapes), `grace_big_copy` (grace_big's bytes under another
    name) and `truncated` (the first 2 KB of eileen_a: unreadable)."""
    with building():
        out = {name: cached(BUILD / f"{name}.mp4", lambda tmp, s=shot: render(tmp, s)) for name, shot in SHOTS.items()}
        out["noface"] = cached(BUILD / "noface.mp4", render_no_face)
        out["grace_big_copy"] = cached(BUILD / "grace_big_copy.mp4", lambda tmp: shutil.copyfile(out["grace_big"], tmp))
        out["truncated"] = cached(
            BUILD / "truncated.mp4", lambda tmp: tmp.write_bytes(out["eileen_a"].read_bytes()[:2048])
        )
    return out


def real_clips(n: int = 20) -> dict[str, Path]:
    """`n` distinct small clips of the four people (for the kill/resume and Dask tests)."""
    people = ["grace_hopper", "obama", "biden", "eileen_collins"]
    shots = {f"clip{i:02d}": Shot(people[i % 4], photo=i // 4, face=90 + 5 * (i % 5), seconds=3.0, seed=1000 + i)
             for i in range(n)}  # fmt: skip
    with building():
        return {
            name: cached(BUILD / "campaign" / f"{name}.mp4", lambda tmp, s=s: render(tmp, s))
            for name, s in shots.items()
        }


def copy_clips() -> dict[str, Path]:
    """One ad, re-encoded (another size, codec and bitrate) and trimmed (its first second cut
    off), beside other clips of the same person and of someone else."""
    shots = {
        "ad": Shot("obama", photo=0, face=110, seconds=6.0, seed=31),
        "same_person_other_ad": Shot("obama", photo=0, face=110, seconds=6.0, seed=32),
        "same_person_other_photo": Shot("obama", photo=1, face=100, seconds=6.0, seed=33),
        "someone_else": Shot("grace_hopper", face=110, seconds=6.0, seed=34),
    }
    made = {
        "ad_reencoded": dict(width=480, height=270, codec="mpeg4", bitrate=150_000),
        "ad_trimmed": dict(width=640, height=360, codec="libx264", bitrate=600_000, start_s=1.0),
    }
    folder = BUILD / "copies"
    with building():
        out = {name: cached(folder / f"{name}.mp4", lambda tmp, s=s: render(tmp, s)) for name, s in shots.items()}
        for name, kw in made.items():
            out[name] = cached(folder / f"{name}.mp4", lambda tmp, kw=kw: reencode(out["ad"], tmp, **kw))
    return out
