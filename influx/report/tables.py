"""The report's tables for spreadsheets: the original task's CSV, the detailed CSV and the same
detail as an .xlsx workbook (XlsxWriter: real numbers and column widths, not text to re-parse)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from influx.output import csv_cell, display, display_name
from influx.report import files
from influx.report.gather import ReportData

DETAIL_COLUMNS = ["Rank", "Influencer ID", "Name", "Average Performance", "Average 95% Low", "Average 95% High",
                  "Adjusted Performance", "SD Performance", "Reliability", "Videos", "Duplicates", "Scores",
                  "First Video URL", "Face Image"]  # fmt: skip


def _num(x, digits: int = 4):
    """A number rounded for people (1.6178, not 1.6178000000000001); None for NULL."""
    return None if x is None or x != x else round(float(x), digits)


def _text(x) -> str:
    return "" if x is None else repr(x)


def detail_rows(data: ReportData, faces_dir: str) -> list[list]:
    """The detailed table, ranked as the PDF is: numbers as numbers, names display-safe."""
    stats, crops = data.stats, data.crops
    return [[int(r.rank), int(r.influencer_id), display_name(r.name) or "",
             _num(r.avg_performance), _num(r.avg_ci_low), _num(r.avg_ci_high),
             _num(r.adjusted_performance), _num(r.sd_performance), _num(r.reliability),
             int(r.n_videos), int(r.n_duplicates), int(r.n_scores),
             display(r.first_video_url, 2000),
             f"{faces_dir}/{int(r.influencer_id)}.jpg" if r.influencer_id in crops else ""]
            for r in stats.itertuples()]  # fmt: skip


def write_csv(data: ReportData, path: Path, details: Path, faces_dir: str) -> None:
    """The original task's CSV (exactly its four columns, sorted by average performance, numbers
    rounded to 4 decimals) and a second CSV with everything else, ranked as the PDF is."""
    stats = data.stats
    by_average = stats.sort_values(["avg_performance", "influencer_id"], ascending=[False, True], na_position="last")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Influencer ID", "Average Performance", "Reliability", "First Video URL"])
    for r in by_average.itertuples():
        w.writerow([int(r.influencer_id), _text(_num(r.avg_performance)), _text(_num(r.reliability)),
                    csv_cell(r.first_video_url)])  # fmt: skip
    files.write(path, buf.getvalue())
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(DETAIL_COLUMNS)
    for row in detail_rows(data, faces_dir):
        w.writerow([_text(v) if isinstance(v, float) else csv_cell(v) for v in row])
    files.write(details, buf.getvalue())


def write_xlsx(data: ReportData, path: Path, faces_dir: str) -> None:
    """influencer_report.xlsx: the detailed table (sheet Influencers), with the ICC and test-retest
    numbers (sheet Reliability). Every string is written as text (never a formula or a URL)."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False, "nan_inf_to_errors": True})  # fmt: skip
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Influencers")
    sheet.write_row(0, 0, DETAIL_COLUMNS, bold)
    for n, row in enumerate(detail_rows(data, faces_dir), 1):
        for k, v in enumerate(row):
            if isinstance(v, str):
                sheet.write_string(n, k, v)
            elif v is not None:
                sheet.write_number(n, k, v)
    sheet.set_column(0, 1, 8)
    sheet.set_column(2, 2, 24)
    sheet.set_column(3, 11, 12)
    sheet.set_column(12, 13, 40)
    sheet.freeze_panes(1, 0)
    rel = book.add_worksheet("Reliability")
    for n, (k, v) in enumerate(data.rel.items()):
        rel.write_string(n, 0, str(k))
        if isinstance(v, int | float) and v == v and abs(v) != float("inf"):
            rel.write_number(n, 1, v)
        elif v is not None and v == v:
            rel.write_string(n, 1, display(v, 300))
    rel.set_column(0, 0, 22)
    rel.set_column(1, 1, 60)
    book.close()
    files.write(path, buf.getvalue())
