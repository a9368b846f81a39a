"""The assigned and due-soon e-mails: once per assignment and person, for later joiners too, in the
recipient's language, and not for people who have completed the target."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.modules.assignments import notices, services
from elearn.modules.assignments.models import AssignmentNotice, Audience, NoticeKind, TargetKind
from elearn.modules.outbox.models import OutboxMessage
from elearn.statements import counting
from tests.modules.assignments.conftest import complete

FIRST_STEPS = services.Target(TargetKind.MODULE, "first-steps")


def messages() -> list[tuple[str, str]]:
    return [(m.recipient, m.subject) for m in db.session.scalars(select(OutboxMessage)
                                                                  .order_by(OutboxMessage.id))]


def assign_team(world, due_in: int):
    assignment = services.create_assignment(world.coordinator, FIRST_STEPS, Audience.UNIT, world.team2.id,
                                            world.today + timedelta(days=due_in), world.now)
    db.session.commit()
    return assignment


@pytest.mark.both_databases
def test_creating_tells_everyone_reached_once_and_a_run_twice_adds_nothing(world, make_user):
    done = make_user(name="Done Already", unit=world.team2)
    complete(done, "first-steps", 1)  # no e-mail for them
    assign_team(world, 30)
    assert sorted(messages()) == [
        ("bo@politi.example", f"You have been assigned First steps, due {_long(world.today + timedelta(days=30))}")]
    for _ in range(2):
        report = notices.run(world.now)
        db.session.commit()
        assert report == notices.RunReport(0, 0)
    assert len(messages()) == 1


def _long(day) -> str:
    return f"{day:%B} {day.day}, {day.year}"


@pytest.mark.both_databases
def test_a_later_joiner_is_told_by_the_run_and_reminders_go_once_within_the_period(world, make_user):
    assignment = assign_team(world, 20)
    newcomer = make_user(name="Nina New", email="nina@politi.example", unit=world.team2, locale="da")
    report = notices.run(world.now)
    db.session.commit()
    assert report == notices.RunReport(1, 0)
    assert messages()[-1][0] == "nina@politi.example"
    later = world.now + timedelta(days=14)  # six days before the due date
    assert notices.run(later) == notices.RunReport(0, 2)
    assert notices.run(later) == notices.RunReport(0, 0)
    db.session.commit()
    kinds = db.session.execute(select(AssignmentNotice.user_id, AssignmentNotice.kind).where(
        AssignmentNotice.assignment_id == assignment.id)).all()
    assert sorted(kinds) == sorted([(world.bo.id, NoticeKind.ASSIGNED), (newcomer.id, NoticeKind.ASSIGNED),
                                    (world.bo.id, NoticeKind.DUE_SOON), (newcomer.id, NoticeKind.DUE_SOON)])
    assert all(message_id is not None for message_id in db.session.scalars(select(AssignmentNotice.message_id)))


def test_an_assignment_due_within_the_period_sends_one_e_mail_not_two(world):
    assign_team(world, 3)
    assert notices.run(world.now) == notices.RunReport(0, 0)
    assert len(messages()) == 1
    covered = db.session.scalar(select(AssignmentNotice.message_id).where(
        AssignmentNotice.kind == NoticeKind.DUE_SOON))
    assert covered is None  # recorded, covered by the assigned e-mail


def test_completed_people_and_withdrawn_assignments_get_no_reminder(world):
    assign_team(world, 20)
    complete(world.bo, "first-steps", 1)
    withdrawn = services.create_assignment(world.coordinator, FIRST_STEPS, Audience.PERSON, world.carl.id,
                                           world.today + timedelta(days=20), world.now)
    services.withdraw(world.coordinator, withdrawn, world.now)
    db.session.commit()
    assert notices.run(world.now + timedelta(days=14)) == notices.RunReport(0, 0)


def test_the_reminder_period_is_configurable(world, app):
    assign_team(world, 20)
    assert notices.run(world.now) == notices.RunReport(0, 0)
    app.config["ASSIGNMENT_REMINDER_DAYS"] = 25
    assert notices.run(world.now) == notices.RunReport(0, 1)


def test_the_statements_of_a_run_do_not_grow_per_person(world, make_user):
    assign_team(world, 30)
    for number in range(40):
        make_user(name=f"Extra {number}", unit=world.team2)
    with counting(db.engine) as log:
        assert notices.run(world.now).assigned == 40
    assert log.count <= 8, [statement[:60] for statement in log.statements]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 41


def test_the_cli_runs_and_reports(world, runner):
    assign_team(world, 30)
    result = runner.invoke(args=["assignments", "run"])
    assert result.exit_code == 0, result.output
    assert "0 assigned notices and 0 reminders queued" in result.output
