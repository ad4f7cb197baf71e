"""Report: the PDF, the CSV and the face images, all from the database alone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from influx import store
from influx.identity.corrections import connect_verified
from influx.report import files
from influx.report.gather import gather
from influx.report.images import Budget
from influx.report.pdf import write_pdf
from influx.report.tables import write_csv, write_xlsx

PDF_NAME = "influencer_table.pdf"
CSV_NAME = "sorted_unique_influencers_with_reliability.csv"
FACES_DIR = "influencer_faces"
SHEET_NAME = "people.html"
DETAILS_NAME = "influencer_details.csv"
XLSX_NAME = "influencer_report.xlsx"


@dataclass
class ReportFiles:
    pdf: Path
    csv: Path
    faces: Path
    influencers: int
    details: Path | None = None
    xlsx: Path | None = None
    sheet: Path | None = None
    skipped_faces: int = 0


def _open(db_path) -> duckdb.DuckDBPyConnection:
    if not os.access(db_path, os.W_OK):  # a file we may not write still renders, with the same numbers
        return connect_verified(db_path, read_only=True)
    con = connect_verified(db_path)
    store.refresh_quantiles(con)  # the file may have been edited since (scores changed by hand)
    return con


def report(db_path, out_dir=None) -> ReportFiles:
    """Write the PDF, the CSVs, the workbook, the face images and people.html for the database at
    `db_path`, inside `out_dir` only: no symlink there is followed (files.write), and face images
    are bounded per crop and in all (images.Budget), whatever the file holds."""
    db_path = Path(db_path)
    out = Path(out_dir) if out_dir else db_path.parent
    budget = Budget()
    con = _open(db_path)  # a file that fails the checks is refused before anything is written
    try:
        data = gather(con)
        from influx.identity.suggestions import suggest_merges
        from influx.report import contact_sheet

        out.mkdir(parents=True, exist_ok=True)
        files.write(out / SHEET_NAME, contact_sheet.write(con, suggest_merges(con), budget))
    finally:
        con.close()
    faces = files.folder(out / FACES_DIR)
    shown = {int(i) for i in data.stats.influencer_id}
    for influencer_id, crop in list(data.crops.items()):  # ids are integers (checked schema): names stay inside
        if influencer_id in shown and budget.take(crop) is not None:
            files.write(faces / f"{int(influencer_id)}.jpg", crop)
        else:
            del data.crops[influencer_id]
    write_csv(data, out / CSV_NAME, out / DETAILS_NAME, FACES_DIR)
    write_xlsx(data, out / XLSX_NAME, FACES_DIR)
    write_pdf(data, out / PDF_NAME, db_path.name)
    return ReportFiles(out / PDF_NAME, out / CSV_NAME, faces, len(data.stats), out / DETAILS_NAME,
                       out / XLSX_NAME, out / SHEET_NAME, budget.skipped)  # fmt: skip
