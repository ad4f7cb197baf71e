"""Every number the report shows, read from the views and tables."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from influx import store
from influx.report.images import MAX_BYTES, safe_jpeg


@dataclass
class ReportData:
    """What the PDF, the CSVs and the workbook show: one read of the database."""

    stats: pd.DataFrame  # influencer_stats, ranked
    rel: dict  # the reliability view's one row
    statuses: dict[str, int]  # videos by status
    failures: list[tuple[str, int]]  # failed videos by error kind, most first
    crops: dict[int, bytes]  # each person's representative face (JPEG), where it is a safe image
    people: int  # people found
    faces: tuple[int, int]  # faces stored, faces identified
    no_influencer: int  # videos with faces but no influencer
    uncertain: list[tuple]  # uncertain videos (report.uncertain)
    copies: list[tuple]  # near-duplicate videos (copies.listing)
    settings: dict[str, str]  # how the file was made (settings table)
    constants: dict[str, float]  # the constants view: thresholds the methods page states
    unscored: int = 0  # rows whose performance could not be read (input_error says why)


def gather(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Every number the report shows, read from the views and tables."""
    q = con.execute
    stats = q(store.sql("report.stats")).df()
    rel = q(store.sql("report.reliability")).df().iloc[0].to_dict()
    statuses = dict(q(store.sql("report.statuses")).fetchall())
    failures = q(store.sql("report.failures")).fetchall()
    crops = {
        int(i): jpeg
        for i, crop in q(store.sql("faces.representative_faces"), {"max_bytes": MAX_BYTES}).fetchall()
        if (jpeg := safe_jpeg(crop)) is not None
    }
    people = q(store.sql("report.count_people")).fetchone()[0]
    faces = q(store.sql("report.face_counts")).fetchone()
    no_influencer = q(store.sql("report.count_without_influencer")).fetchone()[0]
    uncertain = q(store.sql("report.uncertain")).fetchall()
    copies = q(store.sql("copies.listing")).fetchall()
    settings = dict(q(store.sql("report.settings")).fetchall())
    rel_constants = q(store.sql("report.constants"))
    constants = dict(zip([d[0] for d in rel_constants.description], rel_constants.fetchone(), strict=True))
    unscored = q(store.sql("report.count_unscored")).fetchone()[0]
    return ReportData(stats, rel, statuses, failures, crops, people, tuple(faces), no_influencer, uncertain, copies,
                      settings, constants, unscored)  # fmt: skip
