"""Every number the report shows, read from the views and tables."""

from __future__ import annotations

import duckdb

from influx import store
from influx.report.images import MAX_BYTES, safe_jpeg


def gather(con: duckdb.DuckDBPyConnection) -> dict:
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
    return {"settings": settings, "constants": constants, "stats": stats, "rel": rel, "statuses": statuses,
            "failures": failures,
            "crops": crops, "people": people, "faces": faces, "no_influencer": no_influencer,
            "uncertain": uncertain, "copies": copies}  # fmt: skip
