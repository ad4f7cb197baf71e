"""How long `influx review` takes to open each tab (and load the page's face images) for a campaign
of N people and 5,001 videos (the database of bench/report.py, whose 1,667 people of 3 videos are
then regrouped into N), through the app as a browser calls it.

    uv run python bench/review.py --people 500,1667
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import fill  # noqa: E402
from influx import store  # noqa: E402
from influx.identity.ids import relabel  # noqa: E402
from influx.review.app import create_app  # noqa: E402

BASE = "http://127.0.0.1:8000"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", default="500,1667")
    args = ap.parse_args()
    print(f"{'people':>7} {'videos':>7} {'tab':>12} {'page s':>7} {'images':>7} {'with images s':>14}")
    for people in (int(x) for x in args.people.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.duckdb"
            fill(path, 1667)
            con = store.connect(path)
            con.execute("UPDATE faces SET cluster_id = 1 + row_index % ?", [people])
            relabel(con)
            con.close()
            client = create_app(path, 8000, "t").test_client()
            client.get("/?token=t", base_url=BASE)
            for tab in ("check", "merges", "people", "corrections"):
                start = time.perf_counter()
                html = client.get(f"/?tab={tab}", base_url=BASE).get_data(as_text=True)
                page = time.perf_counter() - start
                faces = re.findall(r'src="(/face/\d+\.jpg)"', html)
                for face in faces:
                    assert client.get(face, base_url=BASE).status_code == 200
                total = time.perf_counter() - start
                print(f"{people:7} {5001:7} {tab:>12} {page:7.2f} {len(faces):7} {total:14.2f}")


if __name__ == "__main__":
    main()
