"""Time and peak memory of `influx ingest` on one video as the video gets longer.

Builds 720p H.264 videos of 30 s to 2 h by concatenating (remuxing, no re-encoding) a rendered
clip with small faces and a second person, then ingests each one alone from a local path:

    uv run python bench/video_length.py                  # 0.5, 5, 30 and 120 minutes
    uv run python bench/video_length.py --minutes 1,10

Needs bench/work/set from `bench/ingest.py` (any run).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest import WORK, measure  # noqa: E402

SOURCE = WORK / "set" / "v0002.mp4"  # 1280x720, 25 s, 70 px face, a 60 px second face for a while


def concatenate(src: Path, dst: Path, minutes: float) -> None:
    """`src` repeated until it lasts `minutes`, timestamps shifted, packets copied as they are."""
    import av

    if dst.exists():
        return
    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        packets = [p for p in inp.demux(stream) if p.dts is not None]
        step = max(p.pts + p.duration for p in packets)  # the clip's length in stream time base
        seconds = float(step * stream.time_base)
        tmp = dst.with_suffix(".tmp.mp4")
        with av.open(str(tmp), "w", format="mp4") as out:
            target = out.add_stream_from_template(stream)
            for k in range(max(1, round(minutes * 60 / seconds))):
                for p in packets:
                    copy = av.Packet(bytes(p))
                    copy.pts, copy.dts, copy.duration = p.pts + k * step, p.dts + k * step, p.duration
                    copy.is_keyframe, copy.time_base, copy.stream = p.is_keyframe, p.time_base, target
                    out.mux(copy)
    tmp.replace(dst)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", default="0.5,5,30,120")
    args = ap.parse_args()
    if not SOURCE.exists():
        sys.exit(f"needs {SOURCE}: run bench/ingest.py first")
    folder = WORK / "length"
    folder.mkdir(parents=True, exist_ok=True)
    influx = str(Path(sys.executable).parent / "influx")
    print(f"{'minutes':>7} {'MB':>6} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'frames':>6} {'faces':>5}")
    for minutes in (float(m) for m in args.minutes.split(",")):
        video = folder / f"{minutes:g}min.mp4"
        concatenate(SOURCE, video, minutes)
        table = folder / f"{minutes:g}min.csv"
        with open(table, "w", newline="") as f:
            csv.writer(f).writerows([["Video URL", "Performance"], [str(video), 1.0]])
        db = folder / f"{minutes:g}min.duckdb"
        db.unlink(missing_ok=True)
        m = measure([influx, "ingest", str(table), "--db", str(db)])
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            frames, faces, status = con.execute("SELECT frames_sampled, n_faces, status FROM videos").fetchone()
        if status != "ok":
            sys.exit(f"{video}: status {status}")
        size = video.stat().st_size / 2**20
        print(f"{minutes:7g} {size:6.1f} {m['wall_s']:7.1f} {m['cpu_s']:7.1f} {m['peak_mb']:8.0f} {frames:6} {faces:5}")


if __name__ == "__main__":
    main()
