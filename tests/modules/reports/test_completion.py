"""The completion matrix: hand-computed cells and totals, filters, sort and paging, scoping, the
statement budget and the exports read back.

The data set (path key-officer = first-steps, second-steps; first-steps is bumped to version 2.0 in a
copy of the test course, so completions at 1.0 are outdated):

    person  unit      first-steps                 second-steps
    Anna    Team 1    completed (services)        completed (services), best 90 %
    Bo      Team 1    outdated (read at 1.0)      in progress, best 40 %
    Cara    Team 2    in progress (opened)        not started
    Dan     Team 2    in progress (1.0 done, a    outdated (1.0 completed, best 80 % then)
                      2.0 section read)
    Ida     Team 2    outdated (1.0 done, 2.0     not started
                      only opened: as the learner's own page says)
    Eva     District  not started                 not started
    Finn    Team 1    completed                   not started
    Carl    District  (the coordinator: nothing)
    Otto    Elsewhere completed                   completed        (outside Carl's units)
    Gunnar  Team 1    completed                   completed        (deactivated)

Anna's, Bo's, Dan's and Ida's current-version rows are made by the real progress services; the
others are ModuleProgress rows written directly (clearer for old versions and scores).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import timedelta

import openpyxl
import pytest
from werkzeug.datastructures import MultiDict

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.auth.models import Role
from elearn.modules.courses.catalogue import Version
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.reports import completion, record
from elearn.modules.reports.filters import parse
from elearn.modules.units.models import UnitKind
from elearn.statements import counting
from tests.conftest import edit

URL = "/reports/completion"
IN_SCOPE = ["Anna", "Bo", "Cara", "Carl", "Dan", "Eva", "Finn", "Ida"]


@pytest.fixture
def app_config(content):
    for locale in ("en", "da"):
        edit(content / f"modules/first-steps.{locale}.md", 'version: "1.0"', 'version: "2.0"')
    return {"CONTENT_DIR": str(content)}


def row(user, slug: str, major: int, completed: bool = False, best: float | None = None) -> None:
    now = utcnow()
    db.session.add(ModuleProgress(user_id=user.id, module_slug=slug, major_version=major,
                                  version=f"{major}.0", started_at=now - timedelta(days=3),
                                  completed_at=now if completed else None, best_score=best))


def complete_by_services(user, slug: str, score: float | None = None, module=None) -> None:
    module = module or catalogue().module(slug)
    if module.quiz:
        progress.record_quiz_score(user.id, module, score)
        progress.record_quiz_pass(user.id, module)
    for section in module.section_ids:
        progress.mark_read(user.id, module, section)


@pytest.fixture
def data(app, make_unit, make_user):
    district = make_unit("District", kind=UnitKind.DISTRICT)
    team1, team2 = make_unit("Team 1", parent=district), make_unit("Team 2", parent=district)
    elsewhere = make_unit("Elsewhere")
    people = {name: make_user(Role.LEARNER, name=name, unit=unit) for name, unit in
              [("Anna", team1), ("Bo", team1), ("Cara", team2), ("Dan", team2), ("Eva", district),
               ("Finn", team1), ("Ida", team2), ("Otto", elsewhere), ("Gunnar", team1)]}
    people["Carl"] = make_user(Role.COORDINATOR, name="Carl", unit=district)
    first, second = catalogue().module("first-steps"), catalogue().module("second-steps")
    assert first.version.major == 2
    complete_by_services(people["Anna"], "first-steps")
    complete_by_services(people["Anna"], "second-steps", 0.9)
    complete_by_services(people["Bo"], "first-steps", module=replace(first, version=Version.parse("1.0")))
    progress.start(people["Bo"].id, second)
    progress.record_quiz_score(people["Bo"].id, second, 0.4)
    row(people["Cara"], "first-steps", 2)
    row(people["Dan"], "first-steps", 1, completed=True)
    progress.mark_read(people["Dan"].id, first, "what")
    row(people["Ida"], "first-steps", 1, completed=True)
    progress.start(people["Ida"].id, first)
    row(people["Dan"], "second-steps", 1, completed=True, best=0.8)
    row(people["Finn"], "first-steps", 2, completed=True)
    for name in ("Otto", "Gunnar"):
        row(people[name], "first-steps", 2, completed=True)
        row(people[name], "second-steps", 2, completed=True, best=1.0)
    people["Gunnar"].active = False
    cohort = Cohort(name="Autumn recruits", unit_id=district.id)
    other_cohort = Cohort(name="Elsewhere recruits", unit_id=elsewhere.id)
    db.session.add_all([cohort, other_cohort])
    db.session.flush()
    db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=people["Anna"].id),
                        CohortMember(cohort_id=cohort.id, user_id=people["Dan"].id),
                        CohortMember(cohort_id=other_cohort.id, user_id=people["Otto"].id)])
    db.session.commit()
    return {**people, "district": district, "team1": team1, "team2": team2, "elsewhere": elsewhere,
            "cohort": cohort, "other_cohort": other_cohort}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def export_rows(client, query: str = "") -> list[dict]:
    rows = csv_rows(client.get(f"{URL}.csv?path=key-officer{query}"))
    return [dict(zip(rows[0], values, strict=True)) for values in rows[1:]]


def names(client, query: str = "") -> list[str]:
    return [r["Name"] for r in export_rows(client, query)]


@pytest.mark.both_databases
def test_cells_and_totals_match_the_hand_computed_figures(client, auth, data):
    auth.login(data["Carl"])
    rows = {r["Name"]: r for r in export_rows(client)}
    assert sorted(rows) == IN_SCOPE
    expected = {  # name: (first-steps status, score, second-steps status, score, completed)
        "Anna": ("Completed", "", "Completed", "90", "2"),
        "Bo": ("Outdated", "", "In progress", "40", "0"),
        "Cara": ("In progress", "", "Not started", "", "0"),
        "Dan": ("In progress", "", "Outdated", "", "0"),
        "Eva": ("Not started", "", "Not started", "", "0"),
        "Finn": ("Completed", "", "Not started", "", "1"),
        "Ida": ("Outdated", "", "Not started", "", "0"),
        "Carl": ("Not started", "", "Not started", "", "0")}
    for name, (first, first_score, second, second_score, done) in expected.items():
        assert (rows[name]["First steps status"], rows[name]["First steps best score (%)"],
                rows[name]["Second steps status"], rows[name]["Second steps best score (%)"],
                rows[name]["Modules completed"]) == (first, first_score, second, second_score, done)
    assert rows["Anna"]["Unit"] == "Team 1" and rows["Eva"]["Unit"] == "District"

    scope = {data["district"].id, data["team1"].id, data["team2"].id}
    filters = parse(MultiDict({"path": "key-officer"}), scope, sorts=completion.SORTS, path_required=True)
    path = catalogue().path("key-officer")
    totals = {t.module.slug: (t["completed"], t["in-progress"], t["outdated"], t["not-started"])
              for t in completion.module_totals(scope, filters, path, 8)}
    assert totals == {"first-steps": (2, 2, 2, 2), "second-steps": (1, 1, 1, 5)}
    units = [(t.unit, t.people, t.completed, t.percent)
             for t in completion.unit_totals(scope, filters, path)]
    assert units == [("District", 2, 0, 0), ("District › Team 1", 3, 1, 33), ("District › Team 2", 3, 0, 0)]


def test_every_cell_agrees_with_the_learners_own_page(app, data):
    """The report reads summary rows only; the learner's pages read section reads too. Same answer."""
    path = catalogue().path("key-officer")
    modules = completion.path_modules(path)
    shown = {row.name: row for row in completion.matrix_rows(None, parse(MultiDict(), None, sorts=completion.SORTS,
                                                                         path_required=True), path)}
    own = {"updated": "completed"}
    for name in IN_SCOPE:
        states = progress.states(data[name].id, modules)
        assert [cell.status.value for cell in shown[name].cells] == [
            own.get(states[m.slug].status.value, states[m.slug].status.value) for m in modules], name


def test_the_learner_record_shows_what_the_matrix_shows(app, client, auth, data):
    """Status and best score (at the current major only) agree cell by cell with the record; Dan's
    outdated second-steps shows no score (his 80 % was at the old version) but keeps the old
    completion date, labelled as of an earlier version."""
    path = catalogue().path("key-officer")
    modules = completion.path_modules(path)
    own = {"updated": "completed"}
    with app.test_request_context():
        rows = list(completion.matrix_rows(None, parse(MultiDict(), None, sorts=completion.SORTS,
                                                       path_required=True), path))
        for row in rows:
            lines = {m.slug: m for m in record.record(row.user_id, None, utcnow(), "en").modules}
            assert [(own.get(lines[m.slug].status.value, lines[m.slug].status.value), lines[m.slug].best_score)
                    for m in modules] == [(cell.status.value, cell.best_score) for cell in row.cells], row.name
        dan = {m.slug: m for m in record.record(data["Dan"].id, None, utcnow(), "en").modules}["second-steps"]
    assert dan.best_score is None and dan.completed_at is not None and dan.completed_earlier
    auth.login(data["Carl"])
    page = client.get(f"/reports/people/{data['Dan'].id}").get_data(as_text=True)
    second = page.split("<th scope=\"row\">Second steps</th>")[1].split("</tr>")[0]
    assert "(an earlier version)" in second and not re.search(r"80\s?%", second) and "no score" in second
    body = client.get(f"/reports/people/{data['Dan'].id}.csv").get_data(as_text=True)
    assert "completed (earlier version)" in body


def test_the_page_shows_cells_in_words_with_scores_and_links_to_the_record(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(f"{URL}?path=key-officer").get_data(as_text=True)
    assert f'href="/reports/people/{data["Bo"].id}">Bo</a>' in page
    assert "Outdated" in page and "Best score 40%" in page and "Best score 90%" in page
    assert "Best score 80%" not in page  # Dan's score was at the old version
    assert "2 of 2" in page and "1 of 2" in page
    assert "Otto" not in page and "Gunnar" not in page and "Elsewhere" not in page
    assert "8 people" in page
    assert "District › Team 1" in page and "33%" in page
    assert "Completed every module</th>" in page and "Completed the path" not in page


def test_the_path_defaults_to_the_first_in_the_catalogue(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(URL).get_data(as_text=True)
    assert '<option value="recruit" selected>' in page
    assert client.get(f"{URL}?path=nope").status_code == 404


@pytest.mark.parametrize(("query", "expected"), [
    ("", IN_SCOPE),
    ("&dir=desc", IN_SCOPE[::-1]),
    ("&sort=unit", ["Carl", "Eva", "Anna", "Bo", "Finn", "Cara", "Dan", "Ida"]),
    ("&sort=unit&dir=desc", ["Cara", "Dan", "Ida", "Anna", "Bo", "Finn", "Carl", "Eva"]),
    ("&sort=progress", ["Bo", "Cara", "Carl", "Dan", "Eva", "Ida", "Finn", "Anna"]),
    ("&sort=progress&dir=desc", ["Anna", "Finn", "Bo", "Cara", "Carl", "Dan", "Eva", "Ida"]),
])
def test_sorting(client, auth, data, query, expected):
    auth.login(data["Carl"])
    assert names(client, query) == expected


def test_filters_by_unit_role_and_cohort(client, auth, data):
    auth.login(data["Carl"])
    assert names(client, f"&unit={data['team1'].id}") == ["Anna", "Bo", "Finn"]
    assert names(client, "&role=coordinator") == ["Carl"]
    assert names(client, f"&cohort={data['cohort'].id}") == ["Anna", "Dan"]
    page = client.get(f"{URL}?path=key-officer&unit={data['team2'].id}").get_data(as_text=True)
    assert "3 people" in page and "Anna" not in page


def test_a_coordinator_sees_nothing_outside_their_units(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(f"{URL}?path=key-officer").get_data(as_text=True)
    assert "Elsewhere" not in page and "Otto" not in page
    assert f'value="{data["elsewhere"].id}"' not in page and "Elsewhere recruits" not in page
    for query in (f"unit={data['elsewhere'].id}", f"cohort={data['other_cohort'].id}"):
        assert client.get(f"{URL}?{query}").status_code == 404
        assert client.get(f"{URL}.csv?{query}").status_code == 404
    assert "Otto" not in client.get(f"{URL}.xlsx?path=key-officer").get_data(as_text=False).decode("latin-1")


def test_an_admin_sees_everyone_active(client, auth, data, make_user):
    auth.login(make_user(Role.ADMIN, name="Ada"))
    rows = {r["Name"]: r for r in export_rows(client)}
    assert "Otto" in rows and "Gunnar" not in rows and rows["Otto"]["Modules completed"] == "2"
    assert client.get(f"{URL}?path=key-officer").status_code == 200


def test_learners_are_refused_and_bad_input_is_a_clear_400(client, auth, data):
    auth.login(data["Anna"])
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}.csv").status_code == 403
    auth.logout()
    auth.login(data["Carl"])
    assert client.get(f"{URL}?sort=email").status_code == 400
    assert client.get(f"{URL}?per_page=7").status_code == 400
    assert client.get(f"{URL}?unit=x").status_code == 400
    assert client.get(f"{URL}.pdf").status_code == 404


def test_paging_keeps_the_totals_over_everyone(client, auth, data, make_user):
    for number in range(20):
        make_user(name=f"Zed {number:02d}", unit=data["team2"])
    auth.login(data["Carl"])
    first = client.get(f"{URL}?path=key-officer&per_page=25").get_data(as_text=True)
    second = client.get(f"{URL}?path=key-officer&per_page=25&page=2").get_data(as_text=True)
    assert "Rows 1–25 of 28" in first and "Rows 26–28 of 28" in second
    assert "Zed 16" in first and "Zed 17" in second and "Zed 19" in second and "Anna" not in second
    assert "28 people" in second
    # the totals are over everyone on both pages: 28 people, 2 + 2 + 2 started first-steps
    assert "<td>2</td><td>2</td><td>2</td><td>22</td>" in second.replace("\n", "").replace(" ", "")


def test_a_page_past_the_end_shows_and_links_as_the_last_page(client, auth, data):
    auth.login(data["Carl"])
    page = client.get(f"{URL}?path=key-officer&per_page=25&page=7").get_data(as_text=True)
    assert "Rows 1–8 of 8" in page and "Anna" in page
    assert 'rel="prev"' not in page and 'rel="next"' not in page


def test_the_xlsx_export_has_typed_cells(client, auth, data):
    auth.login(data["Carl"])
    response = client.get(f"{URL}.xlsx?path=key-officer&sort=progress&dir=desc")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Name", "E-mail", "Unit", "First steps status", "First steps best score",
                         "Second steps status", "Second steps best score", "Modules completed")
    assert values[1] == ("Anna", data["Anna"].email, "Team 1", "Completed", None, "Completed", 0.9, 2)
    assert values[3][:7] == ("Bo", data["Bo"].email, "Team 1", "Outdated", None, "In progress", 0.4)
    assert len(values) == 9


def _add_people(make_user, unit, count: int) -> None:
    for number in range(count):
        person = make_user(name=f"Person {number:03d}", unit=unit)
        row(person, "first-steps", 2, completed=number % 2 == 0)
        row(person, "second-steps", 2, best=0.5)
    db.session.commit()


def _statements(client) -> tuple[int, int]:
    with counting(db.engine) as page:
        assert client.get(f"{URL}?path=key-officer&sort=progress&per_page=500").status_code == 200
    with counting(db.engine) as export:
        assert client.get(f"{URL}.csv?path=key-officer").status_code == 200
    return page.count, export.count


def test_the_statement_count_does_not_grow_with_the_people(client, auth, make_unit, make_user):
    unit = make_unit("Budget")
    auth.login(make_user(Role.COORDINATOR, name="Coordinator", unit=unit))
    _add_people(make_user, unit, 3)
    few = _statements(client)
    _add_people(make_user, unit, 27)
    assert _statements(client) == few
    # page: the viewer, the scope (3), the count, the matrix, two totals, the units' names, the filter
    # options (2); export: the viewer, the scope (3), the audit row and the matrix
    assert few[0] <= 11 and few[1] <= 6
