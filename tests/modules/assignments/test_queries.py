"""assignees(), statuses() and for_learner() against a hand-checked data set, on both databases."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from elearn.clock import local_date
from elearn.extensions import db
from elearn.modules.assignments.models import TargetKind
from elearn.modules.assignments.pages import assignment_lines, assignment_page
from elearn.modules.assignments.queries import (
    AssignmentState,
    assignees,
    for_learner,
    state_counts,
    state_of,
    statuses,
)
from elearn.modules.assignments.services import get_assignment
from elearn.modules.auth.models import Role, User
from elearn.statements import counting
from tests.modules.assignments.conftest import assign, certify, cohort_of, complete


@pytest.fixture
def data(world, make_user):
    w = world
    inactive = make_user(name="Ida Inactive", unit=w.team1)
    inactive.active = False
    complete(w.anna, "first-steps", 1)
    complete(w.anna, "second-steps", 2)
    complete(w.carl, "first-steps", 1)
    complete(w.bo, "first-steps", 1)
    complete(w.bo, "second-steps", 1)  # an older major: not completed now
    certify(w.anna)
    certify(w.carl, revoked=True)
    cohort = cohort_of(w.district, w.anna, w.carl)
    a1 = assign(TargetKind.PATH, "recruit", w.today + timedelta(days=10), unit=w.district)
    a2 = assign(TargetKind.MODULE, "second-steps", w.today - timedelta(days=1), user=w.bo)
    a3 = assign(TargetKind.PATH, "key-officer", w.today + timedelta(days=30), cohort=cohort)
    assign(TargetKind.MODULE, "first-steps", w.today + timedelta(days=3), unit=w.team1, withdrawn=True)
    return w, a1, a2, a3


@pytest.mark.both_databases
def test_statuses_match_the_hand_computed_table(data):
    w, a1, a2, a3 = data
    rows = db.session.execute(statuses(w.now)).all()
    got = {(row.assignment_id, row.user_id, row.completed) for row in rows}
    assert got == {
        (a1.id, w.coordinator.id, False), (a1.id, w.team_coordinator.id, False),
        (a1.id, w.anna.id, True), (a1.id, w.bo.id, False), (a1.id, w.carl.id, False),
        (a2.id, w.bo.id, False),
        (a3.id, w.anna.id, True), (a3.id, w.carl.id, False),
    }
    assert all(isinstance(row.completed, bool) for row in rows)
    by_assignment = {row.assignment_id: row for row in rows}
    assert by_assignment[a2.id].target_kind == TargetKind.MODULE
    assert by_assignment[a2.id].target_slug == "second-steps"
    assert by_assignment[a2.id].due_on == w.today - timedelta(days=1)


@pytest.mark.both_databases
def test_callers_narrow_statuses_to_the_people_in_scope(data):
    w, a1, _a2, _a3 = data
    query = statuses(w.now)
    query = query.where(query.selected_columns.user_id.in_([w.anna.id, w.xena.id]))
    assert {(r.assignment_id, r.completed) for r in db.session.execute(query)} == {
        (a1.id, True), (data[3].id, True)}


@pytest.mark.both_databases
def test_a_later_joiner_and_an_expired_certificate(data, make_user):
    w, a1, _a2, a3 = data
    newcomer = make_user(name="Nina New", unit=w.team2)
    pairs = set(db.session.execute(assignees()).all())
    assert (a1.id, newcomer.id) in pairs
    assert (a3.id, w.bo.id) not in pairs
    expired = make_user(name="Erik Expired", unit=w.team2)
    certify(expired, days=-1)
    mine = assign(TargetKind.PATH, "key-officer", w.today + timedelta(days=30), user=expired)
    held = assign(TargetKind.PATH, "key-officer", w.today + timedelta(days=30), user=w.anna)
    query = statuses(w.now)
    rows = {(r.assignment_id, r.user_id): r.completed for r in db.session.execute(
        query.where(query.selected_columns.assignment_id.in_([mine.id, held.id])))}
    assert rows == {(mine.id, expired.id): False, (held.id, w.anna.id): True}


@pytest.mark.both_databases
@pytest.mark.parametrize(("due", "before", "after"), [
    # summer time (UTC+2): the due day ends at 22:00 UTC
    (date(2027, 7, 1), datetime(2027, 7, 1, 21, 59), datetime(2027, 7, 1, 22, 0)),
    # winter time (UTC+1): it ends at 23:00 UTC
    (date(2027, 1, 15), datetime(2027, 1, 15, 22, 59), datetime(2027, 1, 15, 23, 0)),
])
def test_overdue_starts_at_copenhagen_midnight(data, due, before, after):
    w = data[0]
    late = assign(TargetKind.MODULE, "second-steps", due, user=w.carl)
    for now, expected in ((before, (0, 1, 0)), (after, (0, 0, 1))):
        counts = {row.assignment_id: (row.completed, row.on_track, row.overdue)
                  for row in db.session.execute(state_counts(now))}
        assert counts[late.id] == expected, now
        row = next(r for r in db.session.execute(statuses(now)) if r.assignment_id == late.id)
        assert state_of(row.completed, row.due_on, local_date(now)) == (
            AssignmentState.ON_TRACK if expected[1] else AssignmentState.OVERDUE)


def test_a_module_at_a_new_major_is_no_longer_completed(data):
    w, a1, _a2, _a3 = data
    query = statuses(w.now)
    completed = {r.user_id for r in db.session.execute(query.where(
        query.selected_columns.assignment_id == a1.id, query.selected_columns.completed.is_(True)))}
    assert completed == {w.anna.id}


def test_statuses_are_one_statement_whatever_the_number_of_people(data, make_user):
    w = data[0]
    with counting(db.engine) as few:
        few_rows = len(db.session.execute(statuses(w.now)).all())
    for number in range(30):
        person = make_user(name=f"Extra {number}", unit=w.team2)
        complete(person, "first-steps", 1)
    with counting(db.engine) as many:
        many_rows = len(db.session.execute(statuses(w.now)).all())
    assert many_rows == few_rows + 30
    assert few.count == many.count == 1


@pytest.mark.both_databases
def test_the_learner_sees_open_assignments_overdue_first_one_per_target(app, data):
    w, _a1, _a2, _a3 = data
    assign(TargetKind.PATH, "recruit", w.today + timedelta(days=5), user=w.bo)
    with app.test_request_context():
        items = for_learner(w.bo.id, w.now, "en")
    assert [(item.title, item.due_on, item.state) for item in items] == [
        ("Second steps", w.today - timedelta(days=1), AssignmentState.OVERDUE),
        ("Police recruit", w.today + timedelta(days=5), AssignmentState.ON_TRACK)]
    assert items[0].url == "/modules/second-steps" and items[1].url == "/paths/recruit"
    with app.test_request_context():
        assert for_learner(w.anna.id, w.now, "en") == []  # both completed: they drop off


def test_state_of_is_overdue_only_after_the_due_day():
    due = date(2027, 3, 1)
    assert state_of(False, due, due) == AssignmentState.ON_TRACK
    assert state_of(False, due, due + timedelta(days=1)) == AssignmentState.OVERDUE
    assert state_of(True, due, due + timedelta(days=9)) == AssignmentState.COMPLETED


def test_an_admin_without_a_unit_is_reached_by_nothing_but_a_personal_assignment(data):
    w = data[0]
    assert w.admin.has_role(Role.ADMIN)
    assert w.admin.id not in {user_id for _a, user_id in db.session.execute(assignees())}


@pytest.mark.both_databases
@pytest.mark.parametrize("scope_of", ["admin", "team"])
def test_the_assignment_list_counts_in_two_statements_whatever_the_number_of_assignments(data, scope_of):
    w = data[0]
    scope = None if scope_of == "admin" else {w.team1.id, w.team2.id}
    with counting(db.engine) as few:
        before = assignment_lines(scope, w.now, "en")
    for days in range(10):
        assign(TargetKind.MODULE, "first-steps", w.today + timedelta(days=days), unit=w.team2)
    with counting(db.engine) as many:
        after = assignment_lines(scope, w.now, "en")
    assert len(after) == len(before) + 10
    assert few.count == many.count == 2
    recruit = next(line for line in after if line.title == "Police recruit")
    expected = (1, 4, 0) if scope is None else (1, 2, 0)  # anna done; Lene and Carl are in the district
    assert (recruit.completed, recruit.on_track, recruit.overdue) == expected


@pytest.mark.both_databases
def test_narrowing_to_one_person_gives_exactly_their_rows(data):
    w = data[0]
    everyone = db.session.execute(statuses(w.now)).all()
    for person in (w.anna, w.bo, w.carl, w.xena):
        mine = set(db.session.execute(statuses(w.now, person.id)).all())
        assert mine == {row for row in everyone if row.user_id == person.id}


@pytest.mark.both_databases
def test_narrowing_inside_the_branches_gives_the_rows_a_filter_on_the_result_gives(data, make_user):
    w, a1, a2, a3 = data
    for number in range(3):
        make_user(name=f"Extra {number}", unit=w.team2)
    everyone = set(db.session.execute(statuses(w.now)).all())
    for people in ([w.anna.id, w.bo.id], [w.xena.id], select(User.id).where(User.unit_id == w.team2.id)):
        ids = set(people) if isinstance(people, list) else set(db.session.scalars(people))
        assert set(db.session.execute(statuses(w.now, people=people)).all()) == {
            row for row in everyone if row.user_id in ids}
    for chosen in ([a1.id], [a2.id, a3.id]):
        assert set(db.session.execute(statuses(w.now, assignment_ids=chosen)).all()) == {
            row for row in everyone if row.assignment_id in chosen}
        counts = db.session.execute(state_counts(w.now, assignment_ids=chosen)).all()
        assert {row.assignment_id for row in counts} == set(chosen)


@pytest.mark.both_databases
def test_a_coordinator_pages_and_opens_the_assignments_reaching_their_people(data):
    w, a1, _a2, a3 = data
    scope = {w.team1.id}  # anna only: reached by a1 (district) and a3 (cohort)
    page = assignment_page(scope, w.now, "en", 1)
    assert [(line.id, line.manageable, line.completed, line.on_track) for line in page.items] == [
        (a1.id, False, 1, 1), (a3.id, False, 1, 0)]  # Tom Team is on track in a1
    assert get_assignment(a3.id, scope).id == a3.id
