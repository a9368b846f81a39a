"""The trends report: completions and certificates per Copenhagen month, hand-counted on a small data
set written as rows (so the moments are exact), its scoping, export and statement budget."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import Role
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.certification.services import new_number
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.reports import trends, trends_views
from elearn.modules.reports.charts import nice_ceiling
from elearn.modules.reports.filters import ReportFilters
from tests.modules.reports.budget import statement_counts

NOW = datetime(2026, 4, 15, 10, 0)  # UTC; Copenhagen is on summer time (+2)


def completed(user, slug, at, major=1):
    db.session.add(ModuleProgress(user_id=user.id, module_slug=slug, major_version=major, version=f"{major}.0",
                                  started_at=at, completed_at=at))


def certificate(user, path, *revisions):
    """An award with one AwardRevision per (reason, issued_at)."""
    award = CertificateAward(user_id=user.id, path_slug=path, number=new_number(),
                             issued_at=revisions[0][1], valid_from=revisions[0][1],
                             expires_at=datetime(2028, 1, 1), revision=len(revisions))
    db.session.add(award)
    db.session.flush()
    for number, (reason, at) in enumerate(revisions, start=1):
        db.session.add(AwardRevision(award_id=award.id, number=number, reason=reason, issued_at=at,
                                     expires_at=award.expires_at, pdf=b"%PDF", fingerprint="0" * 64))


@pytest.fixture
def world(make_unit, make_user):
    """Units A (with sub-unit A1) and B; Anna and Aksel in A/A1, Ditte (deactivated) in A, Bo in B."""
    unit_a = make_unit("Alpha")
    unit_a1 = make_unit("Alpha One", parent=unit_a)
    unit_b = make_unit("Beta")
    anna = make_user(name="Anna", unit=unit_a)
    aksel = make_user(Role.LEARNER, Role.COORDINATOR, name="Aksel", unit=unit_a1)
    ditte = make_user(name="Ditte", unit=unit_a)
    bo = make_user(name="Bo", unit=unit_b)
    # Anna: 23:30 UTC on 31 March is 01:30 on 1 April in Copenhagen; 21:30 UTC is still March.
    completed(anna, "first-steps", datetime(2026, 3, 31, 23, 30))
    completed(anna, "second-steps", datetime(2026, 3, 31, 21, 30))
    completed(anna, "retired-module", datetime(2026, 2, 3, 9, 0))  # in no path any more
    # Aksel: 00:30 on 1 November in Copenhagen (winter time, +1) is inside a six-month window,
    # 23:30 on 31 October just outside it.
    completed(aksel, "first-steps", datetime(2025, 10, 31, 23, 30))
    completed(aksel, "second-steps", datetime(2025, 10, 31, 22, 30))
    completed(aksel, "second-steps", datetime(2026, 1, 10, 8, 0), major=2)
    db.session.add(ModuleProgress(user_id=aksel.id, module_slug="first-steps", major_version=2,
                                  version="2.0", started_at=datetime(2026, 4, 1)))  # not completed
    completed(ditte, "first-steps", datetime(2026, 2, 1, 12, 0))
    completed(bo, "first-steps", datetime(2026, 2, 1, 12, 0))
    certificate(anna, "key-officer", ("issued", datetime(2026, 1, 5, 9, 0)),
                ("renewed", datetime(2026, 3, 31, 22, 15)))  # 00:15 on 1 April locally
    certificate(aksel, "key-officer", ("issued", datetime(2026, 4, 2, 9, 0)))
    certificate(bo, "key-officer", ("issued", datetime(2026, 2, 10, 9, 0)))
    certificate(ditte, "key-officer", ("issued", datetime(2026, 2, 10, 9, 0)))
    db.session.commit()
    ditte.active = False
    cohort_b = Cohort(name="Beta recruits", unit_id=unit_b.id)
    db.session.add(cohort_b)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort_b.id, user_id=bo.id))
    db.session.commit()
    coordinator = make_user(Role.COORDINATOR, name="Coordinator A", unit=unit_a)
    admin = make_user(Role.ADMIN, name="Admin")
    return {"a": unit_a, "a1": unit_a1, "b": unit_b, "anna": anna, "aksel": aksel, "bo": bo,
            "cohort_b": cohort_b, "coordinator": coordinator, "admin": admin}


def numbers(months):
    return [(m.first, m.completions, m.issued, m.renewed) for m in months]


SIX_MONTHS_A = [(date(2025, 11, 1), 1, 0, 0), (date(2025, 12, 1), 0, 0, 0), (date(2026, 1, 1), 1, 1, 0),
                (date(2026, 2, 1), 1, 0, 0), (date(2026, 3, 1), 1, 0, 0), (date(2026, 4, 1), 1, 1, 1)]


@pytest.mark.both_databases
def test_months_are_counted_in_copenhagen_time(world):
    scope = {world["a"].id, world["a1"].id}
    assert numbers(trends.trends(scope, ReportFilters(), 6, NOW)) == SIX_MONTHS_A
    everyone = numbers(trends.trends(None, ReportFilters(), 6, NOW))
    assert everyone[3] == (date(2026, 2, 1), 2, 1, 0)  # Bo counts for an admin; Ditte never


@pytest.mark.both_databases
def test_a_path_limits_completions_to_its_modules_and_certificates_to_its_own(world):
    scope = {world["a"].id, world["a1"].id}
    recruit = numbers(trends.trends(scope, ReportFilters(path_slug="recruit"), 6, NOW))
    assert [row[1:] for row in recruit] == [(1, 0, 0), (0, 0, 0), (1, 0, 0), (0, 0, 0), (1, 0, 0),
                                            (1, 0, 0)]
    key_officer = numbers(trends.trends(scope, ReportFilters(path_slug="key-officer"), 6, NOW))
    assert [row[2:] for row in key_officer] == [(0, 0), (0, 0), (1, 0), (0, 0), (0, 0), (1, 1)]


def test_unit_filter_takes_sub_units_and_period_reaches_back(world):
    only_a1 = ReportFilters(unit_id=world["a1"].id, unit_path=world["a1"].path)
    rows = numbers(trends.trends(None, only_a1, 6, NOW))
    assert [row[1] for row in rows] == [1, 0, 1, 0, 0, 0]
    longer = numbers(trends.trends(None, only_a1, 12, NOW))
    assert len(longer) == 12 and longer[0][0] == date(2025, 5, 1)
    assert longer[5] == (date(2025, 10, 1), 1, 0, 0)  # 23:30 local on 31 October


def test_month_starts_cross_the_year():
    assert trends.month_starts(datetime(2026, 1, 31, 23, 30), 3) == [date(2025, 12, 1), date(2026, 1, 1),
                                                                    date(2026, 2, 1)]


@pytest.mark.parametrize("raw, expected", [(None, 12), ("", 12), ("6", 6), ("24", 24)])
def test_period_choices(raw, expected):
    assert trends.parse_period(raw) == expected


@pytest.mark.parametrize("value, expected", [(0, (1, 1)), (3, (3, 1)), (7, (8, 2)), (1000, (1000, 200)),
                                             (1001, (1500, 500))])
def test_axis_top_is_a_round_number(value, expected):
    assert nice_ceiling(value) == expected


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(trends_views, "utcnow", lambda: NOW)


def test_page_draws_accessible_charts_and_tables(client, auth, world, fixed_now):
    auth.login(world["coordinator"])
    response = client.get("/reports/trends?months=6")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('role="img"') == 2
    assert 'aria-labelledby="chart-completions-title chart-completions-desc"' in page
    assert "<title>April 2026, Module completions: 1</title>" in page
    assert "<title>April 2026, Certificates renewed: 1</title>" in page
    assert 'fill="url(#chart-certificates-hatch)"' in page and "style=" not in page.split("<main")[1]
    assert page.count("<caption") == 2 and 'scope="row">November 2025</th>' in page
    assert 'option value="24"' in page and 'name="months"' in page
    assert "months=6" in page.split("Download CSV")[0].rsplit("href=", 1)[1]
    assert "Beta" not in page  # neither the other unit nor its cohort is offered


def test_page_in_danish_names_the_months_in_danish(client, auth, world, fixed_now, make_user):
    danish = make_user(Role.COORDINATOR, unit=world["a"], locale="da")
    auth.login(danish)
    page = client.get("/reports/trends?months=6").get_data(as_text=True)
    assert "november 2025" in page and "<title>april 2026, " in page


def test_export_has_the_pages_numbers(client, auth, world, fixed_now):
    auth.login(world["coordinator"])
    response = client.get("/reports/trends.csv?months=6")
    assert 'filename="elearn-trends-6-months-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Month", "Module completions", "Certificates issued", "Certificates renewed"]
    assert rows[1:] == [[first.isoformat(), str(c), str(i), str(r)] for first, c, i, r in SIX_MONTHS_A]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.exported"))
    assert event.subject == "report:trends-6-months"


def test_the_audit_says_the_period_and_only_the_filters_read(client, auth, world, fixed_now):
    auth.login(world["coordinator"])
    client.get(f"/reports/trends.csv?months=24&unit={world['a'].id}&sort=name&dir=desc&page=3&state=x")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.exported"))
    assert event.details == {"format": "csv", "filters": {"unit": world["a"].id, "months": "24"}}


def test_xlsx_export_keeps_dates_and_numbers(client, auth, world, fixed_now, tmp_path):
    auth.login(world["coordinator"])
    response = client.get("/reports/trends.xlsx?months=6")
    path = tmp_path / "trends.xlsx"
    path.write_bytes(response.get_data())
    values = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert values[1] == (datetime(2025, 11, 1), 1, 0, 0)
    assert values[6] == (datetime(2026, 4, 1), 1, 1, 1)


@pytest.mark.parametrize("url", ["/reports/trends", "/reports/trends.csv"])
def test_other_units_and_their_cohorts_are_not_found(client, auth, world, url):
    auth.login(world["coordinator"])
    assert client.get(f"{url}?unit={world['b'].id}").status_code == 404
    assert client.get(f"{url}?cohort={world['cohort_b'].id}").status_code == 404
    assert client.get(f"{url}?months=7").status_code == 400
    assert client.get(f"{url}?months=x").status_code == 400
    for odd in ("²", "١٢", "012", "6.0", "%2B6"):  # digits int() refuses or reads differently
        response = client.get(f"{url}?months={odd}")
        assert response.status_code == 400, odd
        response.close()


def test_other_formats_are_not_found(client, auth, world):
    auth.login(world["coordinator"])
    assert client.get("/reports/trends.pdf").status_code == 404


@pytest.mark.parametrize("url", ["/reports/trends", "/reports/trends.csv", "/reports/trends.xlsx"])
def test_learners_are_refused(client, auth, world, url):
    auth.login(world["anna"])
    assert client.get(url).status_code == 403


def _people(make_user, unit, count):
    for number in range(count):
        person = make_user(unit=unit)
        completed(person, "first-steps", datetime(2026, 2, 1 + number % 20, 9))
        certificate(person, "key-officer", ("issued", datetime(2026, 3, 1, 9)))
    db.session.commit()


@pytest.mark.parametrize("url", ["/reports/trends?months=24", "/reports/trends.csv?path=key-officer"])
def test_statements_do_not_grow_with_people(client, auth, make_unit, make_user, url):
    unit = make_unit()
    auth.login(make_user(Role.COORDINATOR, unit=unit))

    def grow(size):
        _people(make_user, unit, size)
        return url

    counts = statement_counts(client, grow)
    assert counts[0] == counts[1] <= 12
