"""One order of names in every report, on SQLite as on PostgreSQL: Danish alphabetical order ignoring
case (Æ, Ø, Å after Z, in that order), equal names by the person's id; by unit, people without a unit
last in either direction."""

from datetime import timedelta

import pytest
from sqlalchemy import literal, select, union_all

from elearn.clock import local_date, utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, TargetKind
from elearn.modules.courses.services import catalogue
from elearn.modules.reports import assignments, certification, completion
from elearn.modules.reports.filters import ReportFilters
from elearn.search import danish_sort_key, sort_key

PEOPLE = [("bo", "Østerbro"), ("Åse", None), ("Bo", "amager"), ("anna", None), ("Æbel", "amager"),
          ("Zoe", "Østerbro"), ("åse", "amager")]
BY_NAME = ["anna", "bo", "Bo", "Zoe", "Æbel", "Åse", "åse"]
BY_NAME_DESCENDING = ["Åse", "åse", "Æbel", "Zoe", "bo", "Bo", "anna"]  # equal names still by id
BY_UNIT = ["Bo", "Æbel", "åse", "bo", "Zoe", "anna", "Åse"]
BY_UNIT_DESCENDING = ["bo", "Zoe", "Bo", "Æbel", "åse", "anna", "Åse"]


@pytest.fixture
def people(app, make_unit, make_user):
    units = {name: make_unit(name) for name in ("Østerbro", "amager")}
    made = [make_user(name=name, unit=units[unit] if unit else None) for name, unit in PEOPLE]
    due = local_date(utcnow()) - timedelta(days=1)
    db.session.add_all(Assignment(target_kind=TargetKind.MODULE, target_slug="second-steps",
                                  audience=Audience.PERSON, user_id=user.id, due_on=due) for user in made)
    db.session.commit()
    return made


def orders(filters: ReportFilters) -> dict[str, list[str]]:
    path, now = catalogue().path("key-officer"), utcnow()
    overdue, _page = assignments.overdue(None, filters, now, "en")
    return {"completion": [row.name for row in completion.matrix_rows(None, filters, path)],
            "certification": [row.name for row in certification.rows(None, filters, path, now, None)],
            "assignments": [line.name for line in overdue],
            "assignments export": [row[0] for row in assignments.table(None, filters, now, "en").rows]}


@pytest.mark.both_databases
@pytest.mark.parametrize("sort, descending, expected", [
    ("name", False, BY_NAME), ("name", True, BY_NAME_DESCENDING),
    ("unit", False, BY_UNIT), ("unit", True, BY_UNIT_DESCENDING)])
def test_every_report_orders_names_and_units_alike(app, people, sort, descending, expected):
    with app.test_request_context():
        found = orders(ReportFilters(sort=sort, descending=descending))
    assert found == dict.fromkeys(found, expected)


@pytest.mark.both_databases
def test_the_sort_key_is_danish_alphabetical_order_on_both_databases(app):
    names = ["Østergaard", "Aagaard", "Zacho", "Ærø", "ebbe", "Émile", "Åberg", "Ølund", "Öberg", "anna"]
    expected = ["Aagaard", "anna", "ebbe", "Émile", "Zacho", "Ærø", "Öberg", "Ølund", "Østergaard", "Åberg"]
    rows = union_all(*(select(literal(name).label("name")) for name in names)).subquery()
    with app.app_context():
        found = list(db.session.scalars(select(rows.c.name).order_by(sort_key(rows.c.name))))
    assert found == expected
    assert sorted(names, key=danish_sort_key) == expected
