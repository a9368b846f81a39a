"""CSV and XLSX downloads of a report Table: typed cells, formulas neutralised, memory kept flat.

CSV streams row by row from the rows iterator. XLSX is a zip whose directory is written last, so
XlsxWriter's constant-memory mode writes it to a temporary file one row at a time, which is then
streamed and removed; either way only a row or a chunk is held in memory.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime

import xlsxwriter
from flask import Response, stream_with_context

from elearn.cells import neutralise
from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.reports.filters import ReportFilters
from elearn.modules.reports.tables import Column, Kind, Table, percent
from elearn.modules.workshops.times import local_date, to_local

FORMATS = ("csv", "xlsx")
CHUNK_ROWS = 500
CHUNK_BYTES = 64 * 1024
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def file_name(table_name: str, fmt: str, now: datetime | None = None) -> str:
    return f"elearn-{table_name}-{local_date(now or utcnow()).isoformat()}.{fmt}"


def csv_value(column: Column, value) -> str:
    """A cell as CSV text: numbers as plain numbers, percentages as 0–100, dates in ISO 8601, times
    in Copenhagen time; text neutralised."""
    if value is None or value == "":
        return ""
    if column.kind is Kind.INTEGER:
        return str(int(value))
    if column.kind is Kind.PERCENT:
        return f"{percent(value, places=1):g}"
    if column.kind is Kind.DATE:
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if column.kind is Kind.DATETIME:
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    return neutralise(value)


def header(table: Table) -> list[str]:
    return [neutralise(f"{column.label} (%)" if column.kind is Kind.PERCENT else column.label)
            for column in table.columns]


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM (Excel then reads Æ, Ø and Å), a few hundred rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header(table))
    for number, row in enumerate(table.rows, start=1):
        writer.writerow([csv_value(column, value) for column, value in zip(table.columns, row,
                                                                             strict=True)])
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _write_cell(sheet, row: int, col: int, column: Column, value, formats: dict) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None)
    elif column.kind is Kind.INTEGER:
        sheet.write_number(row, col, int(value))
    elif column.kind is Kind.PERCENT:
        sheet.write_number(row, col, float(value), formats["percent"])
    elif column.kind is Kind.DATE:
        day = value.date() if isinstance(value, datetime) else value
        sheet.write_datetime(row, col, datetime.combine(day, datetime.min.time()), formats["date"])
    elif column.kind is Kind.DATETIME:
        sheet.write_datetime(row, col, to_local(value).replace(tzinfo=None), formats["datetime"])
    else:
        sheet.write_string(row, col, neutralise(value))


def sheet_name(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, no apostrophe at either end."""
    name = str(title).translate(str.maketrans("[]:*?/\\", "()-_ --"))[:31].strip("' ")
    return name or "Report"


def write_xlsx(table: Table, target, title: str) -> None:
    """Write the table as one worksheet to target (a path or a binary file), row by row."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                            "strings_to_formulas": False, "strings_to_urls": False})
    formats = {"percent": workbook.add_format({"num_format": "0%"}),
               "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               "header": workbook.add_format({"bold": True})}
    sheet = workbook.add_worksheet(sheet_name(title))
    for col, column in enumerate(table.columns):
        sheet.set_column(col, col, max(10, min(len(str(column.label)) + 2, 40)))
        sheet.write_string(0, col, neutralise(str(column.label)), formats["header"])
    sheet.freeze_panes(1, 0)
    try:
        for row, values in enumerate(table.rows, start=1):
            for col, (column, value) in enumerate(zip(table.columns, values, strict=True)):
                _write_cell(sheet, row, col, column, value, formats)
    finally:
        workbook.close()  # also when the rows fail: it removes its own row files from tmpdir


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def xlsx_file(table: Table, title: str) -> str:
    """The workbook written to a temporary file (removed again if writing fails): its path."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="elearn-export-")
    os.close(handle)
    try:
        write_xlsx(table, path, title)
    except BaseException:
        _remove(path)
        raise
    return path


def headers(table_name: str, fmt: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{file_name(table_name, fmt)}"',
            "Cache-Control": "no-store"}


def head(table_name: str, fmt: str) -> Response:
    """A HEAD request's answer: the download's headers, without building the file or auditing."""
    return Response(b"", mimetype=MEDIA_TYPES[fmt], headers=headers(table_name, fmt))


def _audit(table: Table, fmt: str, filters: ReportFilters, actor_id: int) -> None:
    record(actor_id, "report.exported", f"report:{table.name}", format=fmt,
           filters=filters.audit_details())
    db.session.commit()


def download(table: Table, fmt: str, title: str, filters: ReportFilters, actor_id: int) -> Response:
    """The export as a download, audited (who, which report, which filters) and committed.

    The XLSX is built first and audited once it exists (a failed build records nothing); its
    temporary file goes when the response closes, read or not (a HEAD request, a client gone before
    the first chunk). The CSV streams, so it is audited before its first row."""
    if fmt == "csv":
        _audit(table, fmt, filters, actor_id)
        return Response(stream_with_context(csv_chunks(table)), mimetype=MEDIA_TYPES["csv"],
                        headers=headers(table.name, fmt))
    path = xlsx_file(table, title)
    try:
        _audit(table, fmt, filters, actor_id)
        size = str(os.path.getsize(path))
        response = Response(_file_chunks(path), mimetype=MEDIA_TYPES["xlsx"],
                            headers={**headers(table.name, fmt), "Content-Length": size})
    except BaseException:
        _remove(path)
        raise
    response.call_on_close(lambda: _remove(path))
    return response
