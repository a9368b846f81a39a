"""The assignments report: hand-counted states per unit and the overdue list on a small data set
(assignments written as rows, first-steps completed through the real reading service), the path
filter, sorting, scoping, exports and a statement budget that does not grow with people."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import openpyxl
import pytest

from elearn.clock import local_date, utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, Cohort, CohortMember, TargetKind
from elearn.modules.auth.models import Role
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.reports import assignments as report
from elearn.modules.reports.filters import ReportFilters
from tests.modules.reports.budget import statement_counts


def assign(kind, slug, due_on, withdrawn=False, **audience):
    kind_of = {"user_id": Audience.PERSON, "unit_id": Audience.UNIT, "cohort_id": Audience.COHORT}
    [(field, value)] = audience.items()
    db.session.add(Assignment(target_kind=kind, target_slug=slug, audience=kind_of[field], due_on=due_on,
                              withdrawn_at=utcnow() if withdrawn else None, **{field: value}))


def read_first_steps(user):
    module = catalogue().module("first-steps")
    for section_id in module.section_ids:
        progress.mark_read(user.id, module, section_id)


@pytest.fixture
def world(make_unit, make_user):
    """Alpha (sub-unit Alpha One) and Beta. Anna (Alpha), Aksel and Alma (Alpha One), Ditte
    (Alpha, deactivated), Bo (Beta). Assignments:
    1 Alpha (unit): first-steps, due 3 days ago — Anna and Alma completed it, Aksel overdue 3 days;
    2 Aksel: key-officer path, due in 10 days — on track;
    3 cohort "Alpha recruits" (Alma, Bo): recruit path, due today — on track (due by the end of today);
    4 Anna: second-steps, due yesterday — overdue 1 day;
    5 Alpha (unit), withdrawn — counts nowhere; 6 Beta (unit): first-steps, 5 days ago — Bo overdue."""
    alpha, beta = make_unit("Alpha"), make_unit("Beta")
    alpha_one = make_unit("Alpha One", parent=alpha)
    anna = make_user(name="Anna", email="anna@politi.example", unit=alpha)
    aksel = make_user(Role.LEARNER, Role.COORDINATOR, name="Aksel", email="aksel@politi.example",
                      unit=alpha_one)
    alma = make_user(name="Alma", email="alma@politi.example", unit=alpha_one)
    ditte = make_user(name="Ditte", unit=alpha)
    bo = make_user(name="Bo", unit=beta)
    read_first_steps(anna)
    read_first_steps(alma)
    ditte.active = False
    recruits = Cohort(name="Alpha recruits", unit_id=alpha.id)
    beta_cohort = Cohort(name="Beta team", unit_id=beta.id)
    db.session.add_all([recruits, beta_cohort])
    db.session.flush()
    db.session.add_all([CohortMember(cohort_id=recruits.id, user_id=alma.id),
                        CohortMember(cohort_id=recruits.id, user_id=bo.id),
                        CohortMember(cohort_id=beta_cohort.id, user_id=bo.id)])
    today = local_date(utcnow())
    assign(TargetKind.MODULE, "first-steps", today - timedelta(days=3), unit_id=alpha.id)
    assign(TargetKind.PATH, "key-officer", today + timedelta(days=10), user_id=aksel.id)
    assign(TargetKind.PATH, "recruit", today, cohort_id=recruits.id)
    assign(TargetKind.MODULE, "second-steps", today - timedelta(days=1), user_id=anna.id)
    assign(TargetKind.MODULE, "second-steps", today - timedelta(days=9), withdrawn=True, unit_id=alpha.id)
    assign(TargetKind.MODULE, "first-steps", today - timedelta(days=5), unit_id=beta.id)
    db.session.commit()
    coordinator = make_user(Role.COORDINATOR, name="Coordinator")  # coordinates Alpha, not in it
    coordinator.scope_units.append(alpha)
    db.session.commit()
    return {"alpha": alpha, "alpha_one": alpha_one, "beta": beta, "anna": anna, "aksel": aksel,
            "alma": alma, "bo": bo, "recruits": recruits, "beta_cohort": beta_cohort,
            "coordinator": coordinator, "today": today}


def counts(lines):
    return [(line.name, line.completed, line.on_track, line.overdue) for line in lines]


@pytest.mark.both_databases
def test_states_per_unit_are_counted_in_the_persons_own_unit(world):
    scope = {world["alpha"].id, world["alpha_one"].id}
    lines = report.by_unit(scope, ReportFilters(), utcnow())
    assert counts(lines) == [("Alpha", 1, 0, 1), ("Alpha One", 1, 2, 1)]
    assert [line.label for line in lines] == ["Alpha", "Alpha › Alpha One"]
    assert [round(line.on_track_or_done, 3) for line in lines] == [0.5, 0.75]
    total = report.total(lines)
    assert (total.total, total.completed, total.on_track, total.overdue) == (6, 2, 2, 2)
    assert counts(report.by_unit(None, ReportFilters(), utcnow()))[-1] == ("Beta", 0, 1, 1)


@pytest.mark.both_databases
def test_overdue_list_is_paged_and_sorted(app, world):
    scope = {world["alpha"].id, world["alpha_one"].id}
    with app.test_request_context():
        lines, page = report.overdue(scope, ReportFilters(sort="name"), utcnow(), "en")
        assert [(line.name, line.target, line.days_overdue) for line in lines] == [
            ("Aksel", "First steps", 3), ("Anna", "Second steps", 1)]
        assert page.total == 2
        by_due, _ = report.overdue(scope, ReportFilters(sort="due", descending=True), utcnow(), "en")
        assert [line.name for line in by_due] == ["Anna", "Aksel"]
        by_unit, _ = report.overdue(scope, ReportFilters(sort="unit"), utcnow(), "en")
        assert [line.unit for line in by_unit] == ["Alpha", "Alpha One"]
        second, page = report.overdue(scope, ReportFilters(sort="name", page=2, per_page=1), utcnow(), "en")
        assert [line.name for line in second] == ["Anna"] and page.pages == 2


def test_a_path_keeps_its_own_and_its_modules_assignments(world):
    scope = {world["alpha"].id, world["alpha_one"].id}
    lines = report.by_unit(scope, ReportFilters(path_slug="recruit"), utcnow())
    assert counts(lines) == [("Alpha", 1, 0, 1), ("Alpha One", 1, 1, 1)]  # Aksel's key-officer is out


def test_cohort_filter_keeps_members_in_scope(world):
    scope = {world["alpha"].id, world["alpha_one"].id}
    lines = report.by_unit(scope, ReportFilters(cohort_id=world["recruits"].id), utcnow())
    assert counts(lines) == [("Alpha One", 1, 1, 0)]  # Alma only; Bo is in Beta


def test_page_shows_units_and_overdue_people_linked_to_their_record(client, auth, world):
    auth.login(world["coordinator"])
    response = client.get("/reports/assignments")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/reports/people/{world["aksel"].id}"' in page and "First steps" in page
    assert re.search(r"67\s?%", page) and re.search(r"75\s?%", page)  # 4 of 6, 3 of 4
    assert "Beta" not in page and "Bo<" not in page and "Ditte" not in page
    assert page.count("<caption") == 2 and 'aria-sort="ascending"' in page


def test_the_by_unit_table_says_it_counts_person_assignments(client, auth, world):
    auth.login(world["coordinator"])
    page = client.get("/reports/assignments").get_data(as_text=True)
    table = page.split('id="by-unit-caption"')[1].split("</table>")[0]
    assert "a person with two assignments counts twice" in table
    assert '<th scope="col" class="number">Assignments</th>' in table and "People assigned" not in page
    # Alpha One: Aksel's two and Alma's two assignments are four, though they are two people
    assert re.search(r"Alpha › Alpha One</th><td class=\"number\">4</td>", table)


def test_the_share_is_rounded_half_up_as_excel_shows_it(client, auth, world, make_user):
    """Two more people in Alpha reach its first-steps assignment, one completes it: 5 of 8 on track
    or done is 62.5 %, shown as 63 % as Excel's "0%" shows it (round() would say 62)."""
    read_first_steps(make_user(name="Extra done", unit=world["alpha"]))
    make_user(name="Extra late", unit=world["alpha"])
    db.session.commit()
    auth.login(world["coordinator"])
    total = client.get("/reports/assignments").get_data(as_text=True).split("<tfoot>")[1].split("</tfoot>")[0]
    assert '<td class="number">8</td>' in total and re.search(r"63\s?%", total)


def test_the_export_follows_the_pages_sort(client, auth, world):
    auth.login(world["coordinator"])
    body = client.get("/reports/assignments.csv?sort=due&dir=desc").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]
    assert [(row[0], row[5]) for row in rows] == [
        ("Aksel", (world["today"] + timedelta(days=10)).isoformat()),
        ("Alma", world["today"].isoformat()), ("Anna", (world["today"] - timedelta(days=1)).isoformat()),
        *[(name, (world["today"] - timedelta(days=3)).isoformat()) for name in ("Aksel", "Alma", "Anna")]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_lists_every_assigned_person(client, auth, world, fmt, tmp_path):
    auth.login(world["coordinator"])
    response = client.get(f"/reports/assignments.{fmt}")
    assert response.status_code == 200
    today = world["today"]

    def day(delta):
        value = today + timedelta(days=delta)
        return value.isoformat() if fmt == "csv" else datetime.combine(value, time())

    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        none = ""
        overdue = ["3", "1"]
    else:
        path = tmp_path / "a.xlsx"
        path.write_bytes(response.get_data())
        rows = [list(row) for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
        none = None
        overdue = [3, 1]
    assert rows[0] == ["Name", "E-mail", "Unit", "Assignment target", "Target kind", "Due", "State",
                       "Days overdue"]
    assert rows[1:] == [
        ["Aksel", "aksel@politi.example", "Alpha One", "First steps", "Module", day(-3), "Overdue", overdue[0]],
        ["Aksel", "aksel@politi.example", "Alpha One", "Key officer", "Learning path", day(10), "On track", none],
        ["Alma", "alma@politi.example", "Alpha One", "First steps", "Module", day(-3), "Completed", none],
        ["Alma", "alma@politi.example", "Alpha One", "Police recruit", "Learning path", day(0), "On track", none],
        ["Anna", "anna@politi.example", "Alpha", "First steps", "Module", day(-3), "Completed", none],
        ["Anna", "anna@politi.example", "Alpha", "Second steps", "Module", day(-1), "Overdue", overdue[1]]]


@pytest.mark.parametrize("url", ["/reports/assignments", "/reports/assignments.csv"])
def test_other_units_and_cohorts_are_not_found(client, auth, world, url):
    auth.login(world["coordinator"])
    assert client.get(f"{url}?unit={world['beta'].id}").status_code == 404
    assert client.get(f"{url}?cohort={world['beta_cohort'].id}").status_code == 404
    assert client.get(f"{url}?sort=email").status_code == 400
    assert client.get(f"{url}?path=nowhere").status_code == 404


@pytest.mark.parametrize("url", ["/reports/assignments", "/reports/assignments.xlsx"])
def test_learners_are_refused(client, auth, world, url):
    auth.login(world["anna"])
    assert client.get(url).status_code == 403


def _people(make_user, unit, size):
    for number in range(size):
        person = make_user(unit=unit)
        if number % 3 == 0:
            read_first_steps(person)
    db.session.commit()


@pytest.mark.parametrize("url", ["/reports/assignments?sort=unit&per_page=25",
                                 "/reports/assignments.csv?path=recruit"])
def test_statements_do_not_grow_with_people(client, auth, make_unit, make_user, url):
    unit = make_unit()
    team = make_unit(parent=unit)
    auth.login(make_user(Role.COORDINATOR, unit=unit))
    assign(TargetKind.MODULE, "first-steps", local_date(utcnow()) - timedelta(days=2), unit_id=unit.id)
    assign(TargetKind.PATH, "recruit", local_date(utcnow()) + timedelta(days=2), unit_id=team.id)

    def grow(size):
        _people(make_user, unit, size)
        _people(make_user, team, size)
        return url

    counts = statement_counts(client, grow)
    assert counts[0] == counts[1] <= 12
