"""Roster import: whole-file checks with line numbers, nothing half-imported, re-import is a no-op."""

import pytest

from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.admin import roster
from elearn.modules.auth.models import Role, User
from elearn.modules.units.models import UnitKind


@pytest.fixture
def units(make_unit):
    district = make_unit("Sydøstjyllands Politi", "SJYL", UnitKind.DISTRICT)
    return {"sc": make_unit("Servicecenter", "SJYL-SC", UnitKind.CENTRE, district),
            "patrol": make_unit("Patrulje Horsens", "SJYL-PAT-HOR", UnitKind.TEAM, district)}


GOOD = """name,email,unit,roles
Anna Jensen,anna.jensen@politi.example,SJYL-SC,learner
Bo Madsen,Bo.Madsen@politi.example,Patrulje Horsens,learner coordinator
"""

BAD = """name,email,unit,roles
Anna Jensen,anna.jensen@politi.example,SJYL-SC,learner
Bad Mail,not-an-email,SJYL-SC,learner
Lost Unit,lost@politi.example,Atlantis,learner
Anna Again,ANNA.JENSEN@politi.example,SJYL-SC,learner
Odd Role,odd@politi.example,SJYL-SC,emperor
Short Row,short@politi.example
"""


def _users():
    return {u.email: u for u in db.session.scalars(db.select(User))}


@pytest.mark.both_databases
def test_good_file_imports_every_row(units):
    plan = roster.apply(GOOD, None)
    db.session.commit()
    users = _users()
    assert plan.count("create") == 2
    assert users["bo.madsen@politi.example"].roles == {Role.LEARNER, Role.COORDINATOR}
    assert users["bo.madsen@politi.example"].unit_id == units["patrol"].id
    assert users["anna.jensen@politi.example"].password_hash is None


def test_reimporting_the_same_file_changes_nothing(units):
    roster.apply(GOOD, None)
    db.session.commit()
    plan = roster.plan(GOOD)
    assert [change.action for change in plan.changes] == ["unchanged", "unchanged"]


def test_every_bad_row_is_reported_with_its_line_and_reason(units):
    plan = roster.plan(BAD)
    problems = {p.line: str(p.message) for p in plan.problems}
    assert set(problems) == {3, 4, 5, 6, 7}
    assert "e-mail" in problems[3]
    assert "unknown unit Atlantis" in problems[4]
    assert "duplicate e-mail anna.jensen@politi.example (also on line 2)" in problems[5]
    assert "unknown role emperor" in problems[6]
    assert "expected 4 columns, found 2" in problems[7]


def test_file_with_errors_imports_nothing(units):
    with pytest.raises(DomainError):
        roster.apply(BAD, None)
    db.session.rollback()
    assert _users() == {}


def test_good_rows_import_when_asked(units):
    plan = roster.apply(BAD, None, import_good_rows=True)
    db.session.commit()
    assert set(_users()) == {"anna.jensen@politi.example"}
    assert len(plan.problems) == 5


def test_existing_account_is_updated_and_keeps_its_roles(units, make_user):
    user = make_user(Role.ADMIN, Role.LEARNER, email="anna.jensen@politi.example", name="A. Jensen",
                     unit=units["patrol"])
    plan = roster.apply(GOOD, None)
    db.session.commit()
    change = plan.changes[0]
    assert change.action == "update"
    assert "name: A. Jensen → Anna Jensen" in change.changes
    assert user.unit_id == units["sc"].id and Role.ADMIN in user.roles


def test_semicolon_file_with_danish_headers_and_excel_encoding(units):
    text = "Navn;E-mail;Enhed;Roller\nÆrø Østergård;aero@politi.example;Servicecenter;kursist\n"
    rows, problems = roster.parse(roster.decode(text.encode("cp1252")))
    assert problems == [] and rows[0].name == "Ærø Østergård"


def test_utf8_with_bom_is_read(units):
    rows, _ = roster.parse(roster.decode(("\ufeff" + GOOD).encode("utf-8")))
    assert len(rows) == 2


@pytest.mark.parametrize("text", ["", "email,unit\nx@politi.example,SC\n", "\n\n"])
def test_a_file_without_the_right_header_is_refused(units, text):
    with pytest.raises(DomainError):
        roster.parse(text)


def test_blank_lines_are_skipped_and_line_numbers_stay_true(units):
    text = "name,email,unit,roles\n\nAnna,anna@politi.example,SJYL-SC,\nBad,bad,SJYL-SC,\n"
    plan = roster.plan(text)
    assert plan.changes[0].line == 3 and plan.problems[0].line == 4


def test_upload_page_previews_then_imports(client, auth, make_user, units):
    auth.login(make_user(Role.ADMIN))
    from io import BytesIO

    preview = auth.post("/admin/roster", {"file": (BytesIO(GOOD.encode()), "roster.csv")},
                        content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "New accounts: 2" in html
    assert _users().keys() == {u.email for u in db.session.scalars(db.select(User))}
    assert "anna.jensen@politi.example" not in _users()
    done = auth.post("/admin/roster/confirm", {"content": GOOD})
    assert done.status_code == 302
    assert "anna.jensen@politi.example" in _users()


def test_upload_with_problems_shows_lines_and_imports_nothing_by_default(client, auth, make_user,
                                                                          units):
    auth.login(make_user(Role.ADMIN))
    from io import BytesIO

    preview = auth.post("/admin/roster", {"file": (BytesIO(BAD.encode()), "roster.csv")},
                        content_type="multipart/form-data")
    assert "Line 4: unknown unit Atlantis" in preview.get_data(as_text=True)
    refused = auth.post("/admin/roster/confirm", {"content": BAD})
    assert refused.status_code == 400
    assert "anna.jensen@politi.example" not in _users()
    auth.post("/admin/roster/confirm", {"content": BAD, "import_good_rows": "y"})
    assert "anna.jensen@politi.example" in _users()


def test_upload_of_a_non_csv_file_is_refused(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    from io import BytesIO

    response = auth.post("/admin/roster", {"file": (BytesIO(b"\x89PNG"), "photo.png")},
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a .csv file." in response.get_data(as_text=True)


def test_tampered_confirm_content_gets_a_clear_error(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    response = auth.post("/admin/roster/confirm", {"content": "garbage without header"})
    assert response.status_code == 400
