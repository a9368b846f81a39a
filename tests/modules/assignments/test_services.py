"""Assignment and cohort rules: scope, bad input, due dates, withdrawing, the CSV import."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from elearn.errors import Conflict, DomainError, NotFound
from elearn.extensions import db
from elearn.modules.admin import roster
from elearn.modules.assignments import cohorts, services
from elearn.modules.assignments.models import Assignment, Audience, Cohort, CohortMember, TargetKind
from elearn.modules.assignments.queries import assignees
from elearn.modules.audit.models import AuditEvent

KEY_OFFICER = services.Target(TargetKind.PATH, "key-officer")
FIRST_STEPS = services.Target(TargetKind.MODULE, "first-steps")


def create(world, actor, audience, audience_id, due_in=30, target=FIRST_STEPS):
    assignment = services.create_assignment(actor, target, audience, audience_id,
                                            world.today + timedelta(days=due_in), world.now)
    db.session.commit()
    return assignment


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_coordinator_assigns_a_unit_of_their_scope_and_it_is_audited(world):
    assignment = create(world, world.coordinator, Audience.UNIT, world.team1.id, target=KEY_OFFICER)
    assert assignment.unit_id == world.team1.id and assignment.created_by_id == world.coordinator.id
    assert "assignment.create" in actions()


@pytest.mark.parametrize("audience", [Audience.PERSON, Audience.UNIT, Audience.COHORT])
def test_a_coordinator_cannot_assign_outside_their_units(world, audience):
    other_cohort = cohorts.create_cohort(world.admin, "Fyn elever", world.other.id)
    audience_id = {Audience.PERSON: world.xena.id, Audience.UNIT: world.other.id,
                   Audience.COHORT: other_cohort.id}[audience]
    with pytest.raises(NotFound) as error:
        create(world, world.team_coordinator, audience, audience_id)
    assert error.value.field == audience.value


def test_a_team_coordinator_cannot_assign_the_district_above_them(world):
    with pytest.raises(NotFound):
        create(world, world.team_coordinator, Audience.UNIT, world.district.id)
    with pytest.raises(NotFound):
        create(world, world.team_coordinator, Audience.PERSON, world.bo.id)


def test_an_admin_assigns_anyone(world):
    assert create(world, world.admin, Audience.PERSON, world.xena.id).user_id == world.xena.id


def test_an_inactive_person_cannot_be_assigned(world):
    world.anna.active = False
    with pytest.raises(NotFound):
        create(world, world.coordinator, Audience.PERSON, world.anna.id)


@pytest.mark.parametrize(("due_in", "ok"), [(-1, False), (0, True), (5 * 365, True), (6 * 365, False)])
def test_the_due_date_is_today_or_later_and_within_five_years(world, due_in, ok):
    if ok:
        assert create(world, world.coordinator, Audience.UNIT, world.team1.id, due_in=due_in)
    else:
        with pytest.raises(DomainError) as error:
            create(world, world.coordinator, Audience.UNIT, world.team1.id, due_in=due_in)
        assert error.value.field == "due_on"


@pytest.mark.parametrize("key", ["", "path:nope", "module:", "course:first-steps", "path:first-steps"])
def test_an_unknown_target_is_refused(app, key):
    with pytest.raises(DomainError) as error:
        services.parse_target(key)
    assert error.value.field == "target"


def test_targets_are_the_catalogues_paths_then_modules(app):
    assert [t.key for t in services.targets()] == [
        "path:recruit", "path:key-officer", "module:first-steps", "module:second-steps"]


def test_withdrawing_takes_the_assignment_out_and_only_once(world):
    assignment = create(world, world.coordinator, Audience.UNIT, world.team1.id)
    with pytest.raises(NotFound):
        services.withdraw(world.team_coordinator, create(world, world.admin, Audience.UNIT,
                                                         world.district.id), world.now)
    services.withdraw(world.team_coordinator, assignment, world.now)
    db.session.commit()
    assert assignment.id not in {a for a, _u in db.session.execute(assignees())}
    with pytest.raises(Conflict):
        services.withdraw(world.coordinator, assignment, world.now)
    assert "assignment.withdraw" in actions()


def test_a_team_coordinator_sees_a_district_assignment_that_reaches_their_people_but_cannot_manage_it(world):
    district_wide = create(world, world.admin, Audience.UNIT, world.district.id)
    scope = {world.team1.id}
    assert services.get_assignment(district_wide.id, scope) == district_wide
    assert not services.manageable(district_wide, scope)
    personal = create(world, world.admin, Audience.PERSON, world.xena.id)
    with pytest.raises(NotFound):
        services.get_assignment(personal.id, scope)


def test_a_later_joiner_is_reached_by_a_unit_assignment(world, make_user):
    assignment = create(world, world.coordinator, Audience.UNIT, world.district.id)
    newcomer = make_user(unit=world.team2)
    assert (assignment.id, newcomer.id) in set(db.session.execute(assignees()).all())


# Cohorts


def test_cohort_names_are_unique_per_unit(world):
    cohorts.create_cohort(world.coordinator, "Politielever, efterår 2027", world.district.id)
    with pytest.raises(Conflict) as error:
        cohorts.create_cohort(world.coordinator, " politielever,  EFTERÅR 2027", world.district.id)
    assert error.value.field == "name"
    assert cohorts.create_cohort(world.coordinator, "Politielever, efterår 2027", world.team1.id)
    with pytest.raises(DomainError):
        cohorts.create_cohort(world.coordinator, "   ", world.team2.id)


def test_a_cohort_outside_scope_is_not_found(world):
    with pytest.raises(NotFound):
        cohorts.create_cohort(world.team_coordinator, "Vejle", world.team2.id)
    other = cohorts.create_cohort(world.admin, "Fyn", world.other.id)
    with pytest.raises(NotFound):
        cohorts.get_cohort(other.id, {world.team1.id})


def test_members_must_be_active_in_the_cohort_unit_and_the_coordinators_scope(world):
    cohort = cohorts.create_cohort(world.coordinator, "Horsens", world.team1.id)
    assert cohorts.add_member(world.coordinator, cohort, "ANNA@politi.example") == world.anna
    with pytest.raises(Conflict, match="Anna Jensen is already"):
        cohorts.add_member(world.coordinator, cohort, "anna@politi.example")
    with pytest.raises(DomainError, match="Bo Madsen is not in Patrulje Horsens"):
        cohorts.add_member(world.coordinator, cohort, "bo@politi.example")
    answers = []
    for address in ("xena@politi.example", "nobody@politi.example"):  # out of scope, unknown
        with pytest.raises(DomainError) as error:
            cohorts.add_member(world.coordinator, cohort, address)
        answers.append(str(error.value.message).replace(address, "ADDRESS"))
    assert answers == ["No one in your units has the e-mail address ADDRESS."] * 2  # no account oracle
    with pytest.raises(DomainError):
        cohorts.add_member(world.coordinator, cohort, "=1+1")


def test_removing_a_member_outside_scope_is_not_found(world):
    cohort = cohorts.create_cohort(world.admin, "Distrikt", world.district.id)
    cohorts.add_member(world.admin, cohort, "bo@politi.example")
    with pytest.raises(NotFound):
        cohorts.remove_member(world.team_coordinator, cohort, world.bo.id)
    cohorts.remove_member(world.coordinator, cohort, world.bo.id)
    assert cohorts.members(cohort, None) == []


def test_a_cohort_with_any_assignment_cannot_be_deleted_so_its_history_stays(world):
    cohort = cohorts.create_cohort(world.coordinator, "Distrikt", world.district.id)
    assignment = create(world, world.coordinator, Audience.COHORT, cohort.id)
    with pytest.raises(Conflict, match="cannot be deleted"):
        cohorts.delete_cohort(world.coordinator, cohort)
    services.withdraw(world.coordinator, assignment, world.now)
    with pytest.raises(Conflict, match="withdrawn ones too"):
        cohorts.delete_cohort(world.coordinator, cohort)
    db.session.commit()
    assert db.session.get(Assignment, assignment.id) is not None
    unused = cohorts.create_cohort(world.coordinator, "Tom", world.district.id)
    cohorts.delete_cohort(world.coordinator, unused)
    db.session.commit()
    assert {"cohort.create", "cohort.delete"} <= set(actions())


@pytest.mark.both_databases
def test_cohort_names_clash_ignoring_case_beyond_ascii(world):
    cohorts.create_cohort(world.coordinator, "Østjylland Ærø", world.district.id)
    with pytest.raises(Conflict) as error:
        cohorts.create_cohort(world.coordinator, "ØSTJYLLAND ærø", world.district.id)
    assert error.value.field == "name"
    other = cohorts.create_cohort(world.coordinator, "Åbyhøj", world.district.id)
    with pytest.raises(Conflict):
        cohorts.rename_cohort(world.coordinator, other, "østjylland ÆRØ")


@pytest.mark.both_databases
def test_a_name_saved_at_the_same_moment_is_a_conflict_not_an_error(world, monkeypatch):
    """Two coordinators create the same name at once: both pass the look-up, the unique key stops
    the second, which is told on the name field (a race, made here by skipping the look-up)."""
    cohorts.create_cohort(world.coordinator, "Hold A", world.district.id)
    kept = cohorts.create_cohort(world.coordinator, "Hold B", world.district.id)
    db.session.commit()
    monkeypatch.setattr(cohorts.db.session, "scalar", lambda *args, **kwargs: None)
    with pytest.raises(Conflict) as error:
        cohorts.create_cohort(world.coordinator, "Hold A", world.district.id)
    assert error.value.field == "name"
    with pytest.raises(Conflict):
        cohorts.rename_cohort(world.coordinator, kept, "Hold A")
    monkeypatch.undo()
    db.session.rollback()
    assert sorted(c.name for c in db.session.scalars(select(Cohort))) == ["Hold A", "Hold B"]


@pytest.mark.both_databases
def test_a_member_added_twice_at_the_same_moment_is_added_once(world, monkeypatch):
    """The second of two simultaneous additions finds the row there (a race, made here by skipping
    the membership look-up): no error, no second row, and the person is reported as already in."""
    cohort = cohorts.create_cohort(world.coordinator, "Horsens", world.team1.id)
    cohorts.add_member(world.coordinator, cohort, "anna@politi.example")
    monkeypatch.setattr(cohorts, "_member_ids", lambda cohort: set())
    with pytest.raises(Conflict, match="Anna Jensen is already"):
        cohorts.add_member(world.coordinator, cohort, "anna@politi.example")
    applied = cohorts.apply_import(world.coordinator, cohort, "email\nanna@politi.example\n")
    assert [row.email for row in applied.additions] == ["anna@politi.example"]  # planned, then skipped
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 1


CSV = ("\ufeffnavn;e-mail\r\n"
       "Anna Jensen;anna@politi.example\r\n"
       "Bo;bo@politi.example\r\n"
       "Xena;xena@politi.example\r\n"
       "Nobody;nobody@politi.example\r\n"
       "Formula;=HYPERLINK(\"http://evil.example\")\r\n"
       "\r\n"
       "Again;Anna@Politi.example\r\n"
       "Carl;carl@politi.example\r\n")


def test_the_import_reports_each_bad_line_and_adds_only_the_good_ones(world):
    cohort = cohorts.create_cohort(world.team_coordinator, "Horsens", world.team1.id)
    text = roster.decode(CSV.encode("utf-8"))
    plan = cohorts.plan_import(world.team_coordinator, cohort, text)
    assert [row.email for row in plan.additions] == ["anna@politi.example"]
    problems = {p.line: str(p.message) for p in plan.problems}
    assert problems == {
        3: "No one in your units has the e-mail address bo@politi.example.",
        4: "No one in your units has the e-mail address xena@politi.example.",
        5: "No one in your units has the e-mail address nobody@politi.example.",
        6: "not a valid e-mail address",
        8: "duplicate of line 2",
        9: "No one in your units has the e-mail address carl@politi.example.",
    }
    assert db.session.scalar(select(CohortMember.user_id)) is None  # the preview wrote nothing
    applied = cohorts.apply_import(world.team_coordinator, cohort, text)
    db.session.commit()
    assert [m.email for m in cohorts.members(cohort, None)] == ["anna@politi.example"]
    again = cohorts.plan_import(world.team_coordinator, cohort, text)
    assert len(applied.additions) == 1 and not again.additions and len(again.already) == 1


def test_the_import_reads_comma_separated_files_and_names_people_outside_the_unit(world):
    cohort = cohorts.create_cohort(world.coordinator, "Horsens", world.team1.id)
    plan = cohorts.plan_import(world.coordinator, cohort, "email,name\nbo@politi.example,Bo\n")
    assert [str(p.message) for p in plan.problems] == ["Bo Madsen is not in Patrulje Horsens or a unit below it."]


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02\xff\xfe binary \x00 junk\n\x00",
                                  b"name;unit\nAnna;SJ\n", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"])
def test_an_unreadable_file_is_refused_as_a_whole(world, data):
    cohort = cohorts.create_cohort(world.coordinator, "Horsens", world.team1.id)
    with pytest.raises(DomainError):
        cohorts.plan_import(world.coordinator, cohort, roster.decode(data))


@pytest.mark.both_databases
@pytest.mark.parametrize("columns", [
    {"audience": Audience.PERSON, "user_id": "anna", "unit_id": "team1"},  # two set
    {"audience": Audience.UNIT, "user_id": "anna"},  # the wrong one
    {"audience": Audience.COHORT},  # none
])
def test_the_database_refuses_an_assignment_whose_columns_do_not_match_its_audience(world, columns):
    values = {"anna": world.anna.id, "team1": world.team1.id}
    assignment = Assignment(target_kind=TargetKind.MODULE, target_slug="first-steps", due_on=world.today,
                            **{key: values.get(value, value) for key, value in columns.items()})
    db.session.add(assignment)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("data", "line"), [
    ("sep=;\r\nnavn;email\r\nAnna;anna@politi.example\r\n".encode("cp1252"), 3),  # Excel's separator line
    (b"\r\n\r\nemail,name\r\nanna@politi.example,Anna\r\n", 4),  # blank lines before the header
    ("\ufeffemail\tnavn\r\nanna@politi.example\tAnna Jensen\r\n".encode("utf-16-le"), 2),  # "Unicode text"
    ("email;navn\r\nanna@politi.example;Anna Jensen\r\n".encode("utf-16"), 2),
])
def test_the_import_reads_what_excel_writes(world, data, line):
    cohort = cohorts.create_cohort(world.coordinator, "Horsens", world.team1.id)
    plan = cohorts.plan_import(world.coordinator, cohort, roster.decode(data))
    assert [(row.line, row.email) for row in plan.additions] == [(line, "anna@politi.example")]
    assert not plan.problems


@pytest.mark.parametrize("text", ["email\r\nanna@politi.example\r\n" + "x" * 200_000 + "\r\n",
                                  "email\r\nanna@politi.example\r\nbo@\rpoliti.example\r\n"])
def test_a_file_the_csv_reader_refuses_gets_a_translatable_message_with_its_line(world, text):
    cohort = cohorts.create_cohort(world.coordinator, "Horsens", world.team1.id)
    with pytest.raises(DomainError) as error:
        cohorts.plan_import(world.coordinator, cohort, text)
    assert str(error.value.message) == ("Line 3: the file cannot be read as CSV (a field is very long, or a "
                                        "line break is out of place).")
