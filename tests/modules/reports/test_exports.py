"""The export machinery every report uses: typed cells, neutralised formulas, round trips, audit."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from elearn.cells import neutralise
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import Role
from elearn.modules.reports import exports
from elearn.modules.reports.filters import ReportFilters
from elearn.modules.reports.tables import Column, Kind, Table, percent
from elearn.statements import counting

COLUMNS = (Column("name", "Name"), Column("count", "Count", Kind.INTEGER),
           Column("score", "Best score", Kind.PERCENT), Column("due", "Due", Kind.DATE),
           Column("at", "Completed", Kind.DATETIME))
ROWS = [("Åse Ørsted", 3, 0.86, date(2027, 3, 1), datetime(2026, 7, 1, 22, 30)),
        ("=HYPERLINK(\"http://x\")", 0, None, None, None),
        ("\uff1dSUM(A1)", 12, 1.0, date(2026, 12, 24), datetime(2026, 12, 1, 8, 5))]


def table(rows=ROWS) -> Table:
    return Table("completion", COLUMNS, iter(rows))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\uff1d1", "\uff20x"])
def test_formula_starts_are_neutralised(text):
    assert neutralise(text) == "'" + text


def test_plain_text_is_left_alone():
    assert neutralise("Politiassistent 1") == "Politiassistent 1"
    assert neutralise(None) == ""


def test_csv_round_trip_types_and_neutralising(app):
    with app.test_request_context():
        body = b"".join(exports.csv_chunks(table())).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Name", "Count", "Best score (%)", "Due", "Completed"]
    assert rows[1] == ["Åse Ørsted", "3", "86", "2027-03-01", "2026-07-02 00:30"]  # CEST
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "0", "", "", ""]
    assert rows[3] == ["'\uff1dSUM(A1)", "12", "100", "2026-12-24", "2026-12-01 09:05"]  # CET


def test_csv_streams_in_chunks(app):
    many = [(f"Person {n}", n, 0.5, None, None) for n in range(1200)]
    with app.test_request_context():
        chunks = list(exports.csv_chunks(table(many)))
    assert len(chunks) == 3  # 500 + 500 + 200 rows
    assert sum(chunk.count(b"\n") for chunk in chunks) == 1201


def test_xlsx_round_trip_keeps_numbers_and_dates_typed(app, tmp_path):
    path = tmp_path / "report.xlsx"
    with app.test_request_context():
        exports.write_xlsx(table(), str(path), "Completion: key officer [all]")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet.title == "Completion- key officer (all)"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Name", "Count", "Best score", "Due", "Completed")
    assert values[1] == ("Åse Ørsted", 3, 0.86, datetime(2027, 3, 1), datetime(2026, 7, 2, 0, 30))
    assert values[2][0] == "'=HYPERLINK(\"http://x\")" and values[2][2] is None
    assert sheet.cell(row=2, column=3).number_format == "0%"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("title, expected", [("'Quoted'", "Quoted"), ("", "Report"),
                                             ("x" * 40, "x" * 31)])
def test_sheet_names_follow_excels_rules(title, expected):
    assert exports.sheet_name(title) == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_is_named_audited_and_complete(app, make_user, fmt):
    coordinator = make_user()
    filters = ReportFilters(unit_id=4, path_slug="key-officer", page=3)
    with app.test_request_context():
        response = exports.download(table(), fmt, "Completion", filters, coordinator.id)
        body = b"".join(response.response)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="elearn-completion-')
    assert disposition.endswith(f'.{fmt}"')
    assert response.headers["Cache-Control"] == "no-store"
    assert (b"\xc3\x85se" in body) if fmt == "csv" else body.startswith(b"PK")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.exported"))
    assert event.actor_id == coordinator.id and event.subject == "report:completion"
    assert event.details == {"format": fmt, "filters": {"unit": 4, "path": "key-officer"}}


def test_a_failed_xlsx_leaves_no_temporary_file(app, tmp_path, monkeypatch, make_user):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(exports.tempfile, "tempdir", str(scratch))

    def broken_rows():
        yield ROWS[0]
        raise RuntimeError("database went away")

    with app.test_request_context(), pytest.raises(RuntimeError):
        exports.download(Table("x", COLUMNS, broken_rows()), "xlsx", "X", ReportFilters(), make_user().id)
    assert list(scratch.iterdir()) == []
    assert db.session.scalar(select(AuditEvent)) is None  # a failed build records nothing


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(exports.tempfile, "tempdir", str(folder))
    return folder


def test_an_unread_xlsx_response_removes_its_file_when_closed(app, make_user, scratch):
    """A client gone before the first chunk: the server closes the response without reading it."""
    with app.test_request_context():
        response = exports.download(table(), "xlsx", "Completion", ReportFilters(), make_user().id)
        assert len(list(scratch.iterdir())) == 1
        response.close()
    assert list(scratch.iterdir()) == []


def test_a_read_xlsx_response_removes_its_file_too(app, make_user, scratch):
    with app.test_request_context():
        response = exports.download(table(), "xlsx", "Completion", ReportFilters(), make_user().id)
        assert b"".join(response.response).startswith(b"PK")
        response.close()
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_head_request_gets_the_headers_only_unbuilt_and_unaudited(client, auth, make_user, make_unit,
                                                                   scratch, monkeypatch, fmt):
    def never(*args, **kwargs):
        raise AssertionError("the file was built")

    monkeypatch.setattr(exports, "write_xlsx", never)
    monkeypatch.setattr(exports, "csv_chunks", never)
    auth.login(make_user(Role.ADMIN))
    for url in (f"/reports/coverage.{fmt}", f"/reports/completion.{fmt}", f"/reports/trends.{fmt}"):
        with counting(db.engine) as log:
            response = client.head(url)
        assert log.count == 1, url  # the viewer (an admin: no scope, no unit filter): no report query
        assert response.status_code == 200, url
        assert response.headers["Content-Disposition"].startswith('attachment; filename="elearn-')
        assert response.mimetype == exports.MEDIA_TYPES[fmt].split(";")[0] and response.data == b""
    assert db.session.scalar(select(AuditEvent)) is None
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("fraction, whole, one_decimal", [
    (0.125, 13, "12.5"), (0.285, 29, "28.5"), (0.005, 1, "0.5"), (2 / 3, 67, "66.7"), (0.00125, 0, "0.1"),
    (0.865, 87, "86.5"), (1.0, 100, "100"), (0.0, 0, "0")])
def test_percentages_round_half_up_as_excel_shows_them(fraction, whole, one_decimal):
    """Excel's "0%" shows 0.125 as 13 % (Python's round() would say 12) and 0.285 as 29 %."""
    assert percent(fraction) == whole
    assert exports.csv_value(Column("score", "Score", Kind.PERCENT), fraction) == one_decimal
