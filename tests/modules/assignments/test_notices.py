"""The assigned and due-soon e-mails: once per assignment and person, for later joiners too, in the
recipient's language, and not for people who have completed the target."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.modules.assignments import notices, services
from elearn.modules.assignments.models import AssignmentNotice, Audience, NoticeKind, TargetKind
from elearn.modules.outbox import services as outbox
from elearn.modules.outbox.models import OutboxMessage
from elearn.statements import counting
from tests.modules.assignments.conftest import assign, cohort_of, complete

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
    _assert_each_notice_links_its_own_message()


def _assert_each_notice_links_its_own_message() -> None:
    """Every notice with a message points at an e-mail to the same person, of its kind."""
    subjects = {NoticeKind.ASSIGNED: ("You have been assigned", "Du har fået tildelt"),
                NoticeKind.DUE_SOON: ("Reminder:", "Påmindelse:")}
    rows = db.session.execute(select(AssignmentNotice, OutboxMessage).join(
        OutboxMessage, OutboxMessage.id == AssignmentNotice.message_id)).all()
    assert rows
    for notice, message in rows:
        assert message.user_id == notice.user_id
        assert message.subject.startswith(subjects[notice.kind]), (notice.kind, message.subject)


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
    # SQLite cannot return a batched insert's ids in order, so SQLAlchemy inserts the messages one
    # statement each there (quick, and after every e-mail is rendered); everything else is batched
    others = [statement for statement in log.statements if not statement.startswith("INSERT INTO outbox_message")]
    assert len(others) <= 8, [statement[:60] for statement in others]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 41


def test_the_cli_runs_and_reports(world, runner):
    assign_team(world, 30)
    result = runner.invoke(args=["assignments", "run"])
    assert result.exit_code == 0, result.output
    assert "0 assigned notices and 0 reminders queued" in result.output


@pytest.mark.both_databases
def test_overlapping_assignments_send_one_e_mail_per_person_and_target(world):
    """Bo is reached four times for First steps (himself, his team, the district, a cohort): one
    e-mail with the earliest due date, and every notice linked to it; the same for the reminder."""
    cohort = cohort_of(world.district, world.bo, world.carl)
    due = [world.today + timedelta(days=days) for days in (25, 20, 22, 30)]
    for day, audience in zip(due, [{"user": world.bo}, {"unit": world.team2}, {"unit": world.district},
                                   {"cohort": cohort}], strict=True):
        assign(TargetKind.MODULE, "first-steps", day, **audience)
    report = notices.run(world.now)
    db.session.commit()
    reached = {world.coordinator.id, world.team_coordinator.id, world.anna.id, world.bo.id, world.carl.id}
    assert report.assigned == len(reached)
    bo = [subject for recipient, subject in messages() if recipient == "bo@politi.example"]
    assert bo == [f"You have been assigned First steps, due {_long(due[1])}"]
    carl = [subject for recipient, subject in messages() if recipient == "carl@politi.example"]
    assert carl == [f"You have been assigned First steps, due {_long(due[2])}"]  # district before cohort
    bo_notices = db.session.execute(select(AssignmentNotice.message_id).where(
        AssignmentNotice.user_id == world.bo.id, AssignmentNotice.kind == NoticeKind.ASSIGNED)).scalars().all()
    assert len(bo_notices) == 4 and len(set(bo_notices)) == 1 and bo_notices[0] is not None
    assert notices.run(world.now + timedelta(days=15)).reminders == len(reached)  # all within 15 days
    db.session.commit()
    reminders = [subject for recipient, subject in messages() if recipient == "bo@politi.example"][1:]
    assert reminders == [f"Reminder: First steps is due on {_long(due[1])}"]
    _assert_each_notice_links_its_own_message()


@pytest.mark.both_databases
def test_someone_reached_after_the_due_date_is_told_it_is_overdue(world, make_user):
    yesterday = world.today - timedelta(days=1)
    assign(TargetKind.MODULE, "first-steps", yesterday, unit=world.team2)
    assert notices.run(world.now).assigned == 1
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.subject == f"First steps was due on {_long(yesterday)} and is now overdue"
    assert (f"First steps was due on {_long(yesterday)} and is now overdue; please complete it as soon as "
            "possible.") in message.body
    assert "Please complete it by" not in message.body
    assign(TargetKind.MODULE, "second-steps", world.today, unit=world.team2)  # due today: not overdue
    assert notices.run(world.now).assigned == 1
    assert messages()[-1][1] == f"You have been assigned Second steps, due {_long(world.today)}"


def test_the_e_mails_are_rendered_before_anything_is_written(world, make_user, monkeypatch):
    """Rendering holds no write lock: every template renders before the first INSERT or UPDATE."""
    for number in range(5):
        make_user(name=f"Extra {number}", unit=world.team2)
    assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=30), unit=world.team2)
    render = outbox.render_message
    writes_before_render = []

    def watched(*args, **kwargs):
        writes_before_render.extend(s for s in log.statements if re.search(r"\b(INSERT|UPDATE)\b", s))
        return render(*args, **kwargs)

    monkeypatch.setattr(outbox, "render_message", watched)
    with counting(db.engine) as log:
        assert notices.run(world.now).assigned == 6
    assert writes_before_render == []


def test_a_long_run_commits_in_chunks(world, make_user, monkeypatch):
    for number in range(5):
        make_user(name=f"Extra {number}", unit=world.team2)
    assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=3), unit=world.team2)
    monkeypatch.setattr(notices, "CHUNK", 2)
    checkpoints = []

    def checkpoint():
        db.session.commit()
        checkpoints.append(db.session.scalar(select(func.count()).select_from(OutboxMessage)))

    assert notices.run(world.now, checkpoint) == notices.RunReport(6, 0)
    assert checkpoints == [2, 4, 6]
    assert db.session.scalar(select(func.count()).select_from(AssignmentNotice)) == 12  # with the covered reminders
    _assert_each_notice_links_its_own_message()


@pytest.mark.both_databases
def test_two_runs_at_once_send_each_e_mail_once(app, world, make_user, backend):
    """Two runs started together (the README's promise): each person is told once. SQLite lets only
    one writer in and fails the other's snapshot, so there the runs go one after the other."""
    for number in range(60):
        make_user(name=f"Extra {number}", unit=world.team2)
    assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=30), unit=world.team2)
    assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=40), unit=world.district)
    barrier, reports, errors = threading.Barrier(2), [], []

    def work():
        try:
            with app.app_context():
                if backend == "postgresql":
                    barrier.wait()
                reports.append(notices.run(world.now))
                db.session.commit()
        except Exception as error:  # reported below
            errors.append(repr(error))

    if backend == "postgresql":
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        work()
        work()
    assert errors == []
    people = 61 + 4  # the team, and the district's coordinators, anna and carl
    assert sorted(report.assigned for report in reports) == [0, people]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == people
    _assert_each_notice_links_its_own_message()
    assert db.session.scalar(select(func.count()).select_from(AssignmentNotice).where(
        AssignmentNotice.kind == NoticeKind.ASSIGNED, AssignmentNotice.message_id.is_(None))) == 0
