"""The certification report: hand-counted states (with the 30/60/90-day edges), the state list, sort
and paging, filters, scoping, the statement budget and the exports read back.

Awards are written as rows (expiry = 00:00 Copenhagen after the last valid day, as issuing stores
it), each person's "days left" (certification's own count: 1 on the last valid day) chosen:

    Vera 200, Walt 91 -> valid · Xena 90, Yngve 61 -> 61–90 · Zara 60, Ulla 31 -> 31–60 ·
    Tom 30, Sam 1 -> within 30 · Rita 0 -> expired · Per 200 but revoked · Nina (a certificate
    of another path only), Carl (the coordinator) -> never · Otto elsewhere, Gunnar deactivated.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import Role
from elearn.modules.certification.eligibility import (
    AwardState,
    award_state,
    local_date,
    local_midnight,
    valid_until,
)
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.services import new_number, path_of
from elearn.modules.reports import certification
from elearn.modules.reports.certification import CertState
from elearn.modules.reports.filters import parse
from elearn.modules.units.models import UnitKind
from elearn.statements import counting

URL = "/reports/certification"
DAYS = {"Vera": 200, "Walt": 91, "Xena": 90, "Yngve": 61, "Zara": 60, "Ulla": 31, "Tom": 30, "Sam": 1,
        "Rita": 0, "Per": 200}
EXPECTED = {"valid": 2, "expiring-30": 2, "expiring-60": 2, "expiring-90": 2, "expired": 1,
            "revoked": 1, "never": 2}


def award(user, days_left: int, path: str = "key-officer", revoked: bool = False) -> CertificateAward:
    now = utcnow()
    expires = local_midnight(local_date(now) + timedelta(days=days_left))
    row = CertificateAward(user_id=user.id, path_slug=path, number=new_number(),
                           issued_at=datetime(2025, 3, 1, 23, 30), valid_from=now - timedelta(days=30),
                           expires_at=expires, revoked_at=now if revoked else None)
    db.session.add(row)
    return row


@pytest.fixture
def data(app, make_unit, make_user):
    district = make_unit("District", kind=UnitKind.DISTRICT)
    team = make_unit("Team", parent=district)
    elsewhere = make_unit("Elsewhere")
    people = {name: make_user(name=name, unit=team if name in ("Xena", "Tom", "Rita") else district)
              for name in [*DAYS, "Nina"]}
    people["Carl"] = make_user(Role.COORDINATOR, name="Carl", unit=district)
    people["Otto"] = make_user(name="Otto", unit=elsewhere)
    people["Gunnar"] = make_user(name="Gunnar", unit=team)
    awards = {name: award(people[name], days, revoked=name == "Per") for name, days in DAYS.items()}
    award(people["Nina"], 300, path="recruit")
    award(people["Otto"], 300)
    award(people["Gunnar"], 300)
    people["Gunnar"].active = False
    cohort, other = Cohort(name="Key officers", unit_id=district.id), Cohort(name="Far", unit_id=elsewhere.id)
    db.session.add_all([cohort, other])
    db.session.flush()
    db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=people["Vera"].id),
                        CohortMember(cohort_id=cohort.id, user_id=people["Tom"].id),
                        CohortMember(cohort_id=other.id, user_id=people["Otto"].id)])
    db.session.commit()
    return {**people, "awards": awards, "district": district, "team": team, "elsewhere": elsewhere,
            "cohort": cohort, "other_cohort": other}


def export_rows(client, query: str = "") -> list[dict]:
    response = client.get(f"{URL}.csv?path=key-officer{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return [dict(zip(rows[0], values, strict=True)) for values in rows[1:]]


def names(client, query: str = "") -> list[str]:
    return [row["Name"] for row in export_rows(client, query)]


@pytest.mark.both_databases
def test_counts_match_the_hand_computed_states(app, data):
    scope = {data["district"].id, data["team"].id}
    filters = parse(MultiDict(), scope, sorts=certification.SORTS, path_required=True,
                    default_path="key-officer")
    counts = certification.counts(scope, filters, path_of("key-officer"), utcnow())
    assert {state.value: number for state, number in counts.items()} == EXPECTED
    everyone = certification.counts(None, filters, path_of("key-officer"), utcnow())
    assert everyone[CertState.VALID] == 3 and sum(everyone.values()) == 13  # + Otto, not Gunnar


@pytest.mark.both_databases
def test_each_state_lists_its_people(client, auth, data):
    auth.login(data["Carl"])
    lists = {state: names(client, f"&state={state}") for state in EXPECTED}
    assert lists == {"valid": ["Vera", "Walt"], "expiring-30": ["Sam", "Tom"], "expiring-60": ["Ulla", "Zara"],
                     "expiring-90": ["Xena", "Yngve"], "expired": ["Rita"], "revoked": ["Per"],
                     "never": ["Carl", "Nina"]}


def test_the_sql_states_agree_with_certifications_day_count(app, make_user):
    """Around Copenhagen midnight, in winter and in summer, each window's edge falls where days_left
    (and, for 90 days, award_state's "expiring") puts it."""
    rules = path_of("key-officer").certification
    person = make_user()
    row = award(person, 1)
    db.session.commit()
    filters = parse(MultiDict(), None, sorts=certification.SORTS, path_required=True,
                    default_path="key-officer")
    for now in (datetime(2027, 1, 10, 22, 59), datetime(2027, 1, 10, 23, 1), datetime(2027, 7, 10, 21, 59),
                datetime(2027, 7, 10, 22, 1), datetime(2027, 3, 1, 12, 0)):
        for days in (-1, 0, 1, 2, 29, 30, 31, 32, 59, 60, 61, 62, 89, 90, 91, 92, 400):
            row.expires_at = local_midnight(local_date(now) + timedelta(days=days))
            db.session.commit()
            [listed] = certification.rows(None, filters, path_of("key-officer"), now, None)
            assert listed.state is certification.state_of(row.expires_at, None, now), (now, days)
            expiring = award_state(rules, row.expires_at, None, now) is AwardState.EXPIRING
            assert expiring == (listed.state in certification.EXPIRING), (now, days)
            assert listed.valid_until == local_date(now) + timedelta(days=days - 1)


def test_the_page_shows_counts_and_the_chosen_state(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(URL).get_data(as_text=True)
    assert "Certification: Key officer" in page
    assert "Certificate state of the 12 people matching the filters" in page
    assert "Expires within 30 days</a></th><td>2</td>" in page.replace("\n", "")
    assert "Otto" not in page and "Gunnar" not in page
    listing = client.get(f"{URL}?state=expiring-30").get_data(as_text=True)
    number = data["awards"]["Tom"].number
    assert f'href="/certificates/{number}"' in listing and f'href="/reports/people/{data["Tom"].id}"' in listing
    assert "Vera" not in listing.split('id="list-heading"')[1]
    assert "state=expiring-30" in listing.split('id="list-heading"')[1]  # the sort links keep the state
    assert '<option value="expiring-30" selected>' in listing


def test_only_certifying_paths_are_offered(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(URL).get_data(as_text=True)
    assert '<option value="key-officer" selected>' in page and 'value="recruit"' not in page
    assert client.get(f"{URL}?path=recruit").status_code == 404
    assert client.get(f"{URL}.csv?path=recruit").status_code == 404


@pytest.mark.parametrize(("query", "expected"), [
    ("&state=expiring-60", ["Ulla", "Zara"]),
    ("&state=expiring-60&dir=desc", ["Zara", "Ulla"]),
    ("&sort=expiry", ["Rita", "Sam", "Tom", "Ulla", "Zara", "Yngve", "Xena", "Walt", "Per", "Vera",
                      "Carl", "Nina"]),
    ("&sort=expiry&dir=desc&state=expiring-90", ["Xena", "Yngve"]),
    ("&sort=unit&state=expiring-30", ["Sam", "Tom"]),
    ("&sort=unit&dir=desc&state=expiring-30", ["Tom", "Sam"]),
])
def test_sorting(client, auth, data, query, expected):
    auth.login(data["Carl"])
    assert names(client, query) == expected


def test_filters(client, auth, data):
    auth.login(data["Carl"])
    assert names(client, f"&unit={data['team'].id}") == ["Rita", "Tom", "Xena"]
    assert names(client, "&role=coordinator") == ["Carl"]
    assert names(client, f"&cohort={data['cohort'].id}&state=expiring-30") == ["Tom"]
    assert client.get(f"{URL}?state=lost").status_code == 400


def test_paging(client, auth, data, make_user):
    for number in range(30):
        make_user(name=f"Zoe {number:02d}", unit=data["district"])
    auth.login(data["Carl"])
    first = client.get(f"{URL}?state=never&per_page=25").get_data(as_text=True)
    second = client.get(f"{URL}?state=never&per_page=25&page=2").get_data(as_text=True)
    assert "Rows 1–25 of 32" in first and "Rows 26–32 of 32" in second
    assert "Carl" in first and "Zoe 29" in second and "Zoe 22" not in second
    assert "state=never" in second.split('rel="prev"')[0].rsplit("<a", 1)[1]


def test_scoping(client, auth, data):
    auth.login(data["Carl"])
    assert "Otto" not in names(client)
    page = client.get(URL).get_data(as_text=True)
    assert "Elsewhere" not in page and "Far" not in page
    for query in (f"unit={data['elsewhere'].id}", f"cohort={data['other_cohort'].id}"):
        assert client.get(f"{URL}?{query}").status_code == 404
        assert client.get(f"{URL}.xlsx?{query}").status_code == 404


def test_learners_are_refused(client, auth, data):
    auth.login(data["Vera"])
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}.csv").status_code == 403


def test_the_exports_round_trip_with_dates_as_dates(client, auth, data):
    auth.login(data["Carl"])
    tom = data["awards"]["Tom"]
    [row] = export_rows(client, f"&state=expiring-30&unit={data['team'].id}")
    assert row == {"Name": "Tom", "E-mail": data["Tom"].email, "Unit": "Team", "Learning path": "Key officer",
                   "State": "Expires within 30 days", "Certificate number": tom.number,
                   "Issued": "2025-03-02", "Valid until": valid_until(tom.expires_at).isoformat()}
    response = client.get(f"{URL}.xlsx?path=key-officer&sort=expiry")
    values = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert values[0] == ("Name", "E-mail", "Unit", "Learning path", "State", "Certificate number", "Issued",
                         "Valid until")
    assert values[1][0] == "Rita" and values[1][4] == "Expired"
    assert values[1][6] == datetime(2025, 3, 2) and isinstance(values[1][7], datetime)
    assert values[-1][:6] == ("Nina", data["Nina"].email, "District", "Key officer", "Never certified", None)
    assert len(values) == 13


def test_the_audit_keeps_the_state_the_export_was_filtered_by(client, auth, data):
    auth.login(data["Carl"])
    assert client.get(f"{URL}.xlsx?path=key-officer&state=expiring-30&unit={data['team'].id}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.exported"))
    assert event.details == {"format": "xlsx", "filters": {"unit": data["team"].id, "path": "key-officer",
                                                          "state": "expiring-30", "sort": "name"}}


def test_the_statement_count_does_not_grow_with_the_people(client, auth, make_unit, make_user):
    unit = make_unit("Budget")
    auth.login(make_user(Role.COORDINATOR, name="Coordinator", unit=unit))

    def add(count):
        for number in range(count):
            award(make_user(name=f"P {number}", unit=unit), number * 10)
        db.session.commit()

    def statements():
        with counting(db.engine) as page:
            assert client.get(f"{URL}?per_page=500").status_code == 200
        with counting(db.engine) as listing:
            assert client.get(f"{URL}?state=valid&sort=expiry").status_code == 200
        with counting(db.engine) as export:
            assert client.get(f"{URL}.csv").status_code == 200
        return page.count, listing.count, export.count

    add(3)
    few = statements()
    add(27)
    assert statements() == few
    # the viewer, the scope (3), the counts, the rows, the filter options (2); the export: the viewer,
    # the scope, the audit row and the rows
    assert few[0] <= 8 and few[1] <= 8 and few[2] <= 6


def test_malformed_paging_is_a_400_and_a_page_too_far_shows_the_last(client, auth, data):
    auth.login(data["Carl"])
    assert client.get(f"{URL}?page=x").status_code == 400
    last = client.get(f"{URL}?page=999&per_page=25").get_data(as_text=True)
    assert "Rows 1–12 of 12" in last and 'rel="prev"' not in last  # the shown page is the first
