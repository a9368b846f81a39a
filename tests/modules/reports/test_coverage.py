"""Key-officer coverage: per unit in tree order, its people, valid key officers and those expiring
within 90 days; units without one stand out; scoping, the budget and the exports read back.

    District  Dora (key officer, 40 days left), Carl (the coordinator)
      Team A  Anna (key officer, 200 days), Alf (revoked)
      Team B  Bea (expired), Ben (never), Gunnar (deactivated, valid)   -> no valid key officer
      Team C  nobody                                                    -> no members (not uncovered)
    Elsewhere Otto (key officer)                                        (outside Carl's units)
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import Role
from elearn.modules.reports import coverage
from elearn.modules.reports.filters import ReportFilters
from elearn.modules.units.models import UnitKind
from elearn.statements import counting
from tests.modules.reports.test_certification import award

URL = "/reports/coverage"


@pytest.fixture
def data(app, make_unit, make_user):
    district = make_unit("District", "D1", kind=UnitKind.DISTRICT)
    teams = {name: make_unit(f"Team {name}", f"T{name}", parent=district) for name in "ABC"}
    elsewhere = make_unit("Elsewhere", "E1")
    people = {"Dora": district, "Anna": teams["A"], "Alf": teams["A"], "Bea": teams["B"],
              "Ben": teams["B"], "Gunnar": teams["B"], "Otto": elsewhere}
    people = {name: make_user(name=name, unit=unit) for name, unit in people.items()}
    people["Carl"] = make_user(Role.COORDINATOR, name="Carl", unit=district)
    award(people["Dora"], 40)
    award(people["Anna"], 200)
    award(people["Alf"], 200, revoked=True)
    award(people["Bea"], 0)
    award(people["Ben"], 200, path="recruit")  # not a directory path
    award(people["Gunnar"], 200)
    award(people["Otto"], 200)
    people["Gunnar"].active = False
    db.session.commit()
    return {**people, "district": district, "teams": teams, "elsewhere": elsewhere}


def figures(rows) -> list[tuple]:
    return [(row.name, row.depth, row.parent, row.people, row.officers, row.expiring, row.covered)
            for row in rows]


@pytest.mark.both_databases
def test_coverage_matches_the_hand_computed_figures(app, data):
    scope = {data["district"].id, *(team.id for team in data["teams"].values())}
    assert figures(coverage.coverage(scope, ReportFilters(), utcnow())) == [
        ("District", 0, "", 2, 1, 1, True),
        ("Team A", 1, "District", 2, 1, 0, True),
        ("Team B", 1, "District", 2, 0, 0, False),
        ("Team C", 1, "District", 0, 0, 0, False)]
    everything = figures(coverage.coverage(None, ReportFilters(), utcnow()))
    assert everything[-1] == ("Elsewhere", 0, "", 1, 1, 0, True) and len(everything) == 5


def test_the_page_makes_uncovered_units_stand_out(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(URL).get_data(as_text=True)
    assert "1 of 3 units with members has no valid key officer." in page
    assert "1 unit has no members of its own and needs no key officer." in page
    assert page.count("No valid key officer</strong>") == 1 and page.count('class="uncovered"') == 1
    team_c = page.split("Team C</span>")[1].split("</tr>")[0]
    assert "No members" in team_c and "No valid key officer" not in team_c
    assert "Elsewhere" not in page and "Otto" not in page


def test_the_unit_filter_narrows_to_a_subtree(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(f"{URL}?unit={data['teams']['A'].id}").get_data(as_text=True)
    assert "0 of 1 units with members have no valid key officer." in page
    assert "no members of" not in page
    assert "Team A</span>" in page and "Team B</span>" not in page


def test_units_without_members_are_not_uncovered(app, data):
    rows = coverage.coverage(None, ReportFilters(), utcnow())
    assert [row.name for row in rows if row.uncovered] == ["Team B"]
    assert (coverage.uncovered(rows), coverage.without_members(rows)) == (1, 1)


def test_only_the_unit_filter_is_read_applied_and_audited(client, auth, data):
    """Coverage reads the unit alone: a role, cohort, path or sort in the address is ignored (not a
    404 for a cohort it would not apply, not in the audit trail, not in the form)."""
    auth.login(data["Carl"])
    junk = f"unit={data['teams']['A'].id}&role=admin&cohort=999999&path=nowhere&sort=name&dir=desc&x=1"
    assert client.get(f"{URL}.csv?{junk}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.exported"))
    assert event.details == {"format": "csv", "filters": {"unit": data["teams"]["A"].id}}
    page = client.get(f"{URL}?{junk}").get_data(as_text=True)
    assert 'name="unit"' in page
    assert not any(f'name="{name}"' in page for name in ("role", "cohort", "path", "per_page", "sort"))
    links = re.findall(r'href="(/reports/coverage\.(?:csv|xlsx)[^"]*)"', page)
    assert links == [f"/reports/coverage.{fmt}?unit={data['teams']['A'].id}" for fmt in ("csv", "xlsx")]


def test_scoping_and_access(client, auth, data):
    auth.login(data["Carl"])
    assert client.get(f"{URL}?unit={data['elsewhere'].id}").status_code == 404
    assert client.get(f"{URL}.csv?unit={data['elsewhere'].id}").status_code == 404
    assert "Elsewhere" not in client.get(f"{URL}.csv").get_data(as_text=True)
    auth.logout()
    auth.login(data["Anna"])
    assert client.get(URL).status_code == 403 and client.get(f"{URL}.xlsx").status_code == 403


def test_the_exports_round_trip(client, auth, data):
    auth.login(data["Carl"])
    body = client.get(f"{URL}.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [["Unit", "Unit code", "Part of", "People", "Valid key officers", "Expiring within 90 days",
                     "Covered"],
                    ["District", "D1", "", "2", "1", "1", "yes"], ["Team A", "TA", "District", "2", "1", "0", "yes"],
                    ["Team B", "TB", "District", "2", "0", "0", "no"], ["Team C", "TC", "District", "0", "0", "0", "No members"]]
    response = client.get(f"{URL}.xlsx")
    values = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert values[1] == ("District", "D1", None, 2, 1, 1, "yes")
    assert values[3] == ("Team B", "TB", "District", 2, 0, 0, "no")


def test_the_statement_count_does_not_grow_with_the_people(client, auth, data, make_user):
    auth.login(data["Carl"])

    def statements():
        with counting(db.engine) as page:
            assert client.get(URL).status_code == 200
        with counting(db.engine) as export:
            assert client.get(f"{URL}.csv").status_code == 200
        return page.count, export.count

    few = statements()
    for number in range(30):
        award(make_user(name=f"P {number}", unit=data["teams"]["C"]), number * 5)
    db.session.commit()
    assert statements() == few
    # the viewer, the scope (3), the units, their people, their key officers, the parents' names, the
    # filter options (2); the export the same but the options, and the audit row
    assert few[0] <= 10 and few[1] <= 9
