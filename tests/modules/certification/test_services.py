"""Awards on both databases: issued by the events that complete the last requirement, exactly once,
renewed in place, revoked within a coordinator's units; reminders once each with a frozen clock."""

from __future__ import annotations

import io
import re
import threading
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, inspect, select
from werkzeug.datastructures import MultiDict

from elearn.clock import utcnow
from elearn.errors import DomainError, Forbidden
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import Role, User
from elearn.modules.certification import documents, reminders, services
from elearn.modules.certification.certificate import fingerprint
from elearn.modules.certification.eligibility import (
    Verdict,
    add_months,
    expiry_after,
    local_date,
    valid_until,
)
from elearn.modules.certification.models import AwardRevision, CertificateAward, CertificateReminder
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import answers, submission
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.models import AttemptMode, QuizAttempt
from elearn.modules.workshops import services as workshops
from elearn.modules.workshops.models import Registration, WorkshopSession
from tests.conftest import create_session
from tests.modules.certification.conftest import (
    PATH,
    attend,
    certify,
    read_module,
    register_for_workshop,
    take_quiz,
)
from tests.modules.quizzes.conftest import right_answer_form


def awards() -> list[CertificateAward]:
    return list(db.session.scalars(select(CertificateAward)))


def test_the_last_quiz_pass_issues_the_certificate(app, make_user, unit, coordinator, path):
    user = make_user(unit=unit, name="Sofie Lund")
    attend(user, unit, coordinator)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    db.session.commit()
    assert awards() == []
    take_quiz(user.id)
    db.session.commit()
    (award,) = awards()
    assert award.path_slug == PATH and award.revision == 1 and award.revoked_at is None
    last_day = add_months(local_date(award.issued_at), 24)
    assert award.expires_at == expiry_after(last_day) and valid_until(award.expires_at) == last_day
    assert re.fullmatch(r"EL(-[0-9A-HJKMNP-TV-Z]{4}){4}", award.number)
    revision = db.session.scalar(select(AwardRevision))
    assert revision.fingerprint == fingerprint(revision.pdf)
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.subject == f"award:{award.id}")) == "certificate.issued"
    assert "Certificate issued: Key officer" in db.session.scalars(select(OutboxMessage.subject)).all()


def test_attendance_marked_last_issues_the_certificate(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    take_quiz(user.id)
    db.session.commit()
    assert awards() == []
    attend(user, unit, coordinator)
    db.session.commit()
    assert len(awards()) == 1


def test_reading_the_last_section_issues_the_certificate(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    attend(user, unit, coordinator)
    read_module(user.id, "second-steps")
    take_quiz(user.id)
    db.session.commit()
    assert awards() == []
    read_module(user.id, "first-steps")
    db.session.commit()
    assert len(awards()) == 1


def test_a_failed_quiz_issues_nothing_and_the_path_says_what_is_missing(app, make_user, unit, path):
    user = make_user(unit=unit)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    register_for_workshop(user, unit)
    take_quiz(user.id, wrong=("pattern", "paragraph", "signs", "steps", "case-first"))
    db.session.commit()
    result = services.assessment(user.id, path, utcnow())
    assert result.verdict is Verdict.NOT_ELIGIBLE
    assert [r.state.value for r in result.requirements] == ["met", "not-met", "pending"]
    assert awards() == []


def test_the_certificate_pdf_is_one_page_with_the_number_and_the_holder(app, make_user, unit,
                                                                         coordinator):
    user = make_user(unit=unit, name="Søren Ærø", locale="da")
    certify(user, unit, coordinator)
    award = awards()[0]
    reader = PdfReader(io.BytesIO(services.revision_of(award).pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert award.number in text and "Søren Ærø" in text and "Efterforskning Vejle" in text
    last_day = valid_until(award.expires_at)  # printed "Gyldig til" = the last valid Copenhagen day
    assert f"{last_day.day}. " in text and str(last_day.year) in text
    assert award.expires_at == expiry_after(last_day)
    assert "Certifikat" in text and "Nøglemedarbejder" in text
    assert f"http://localhost:5000/verify/{award.number}" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_numbers_are_random_and_read_back_however_they_are_typed(app):
    numbers = {services.new_number() for _ in range(200)}
    assert len(numbers) == 200
    number = next(iter(numbers))
    assert services.normalize_number(number.lower().replace("-", " ")) == number
    assert services.normalize_number("EL-0000") is None
    assert services.normalize_number("../../etc") is None


def forget_awards() -> None:
    """Remove the awards (the evidence stays), as if no event had evaluated it yet."""
    db.session.execute(db.delete(AwardRevision))
    db.session.execute(db.delete(CertificateAward))
    db.session.commit()


@pytest.mark.both_databases
def test_concurrent_completion_gives_one_award(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    user_id = user.id
    certify(user, unit, coordinator)
    forget_awards()  # the evidence is complete; four workers evaluate it at the same moment
    barrier, results, errors = threading.Barrier(4), [], []

    def work():
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                barrier.wait()
                results.append(services.evaluate(user, utcnow()))
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(changes) for changes in results) == 1
    assert db.session.scalar(select(func.count()).select_from(CertificateAward)) == 1
    assert db.session.scalar(select(func.count()).select_from(AwardRevision)) == 1


@pytest.mark.both_databases
def test_a_quiz_submit_racing_an_attendance_mark_gives_one_award(app, backend, make_user, unit,
                                                                 coordinator):
    user = make_user(unit=unit)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    session = create_session(unit, starts_in=timedelta(days=-1))
    registration = workshops.register(session, user, session.starts_at - timedelta(days=2))
    quiz, module = quizzes.quiz_bank().quiz("second-steps"), services.catalogue().module("second-steps")
    now = utcnow()
    attempt = quizzes.start_attempt(user.id, quiz, module, AttemptMode.GRADED, now)
    rows = quizzes.questions_of(attempt)
    form = MultiDict(right_answer_form(attempt, rows, quiz, ()))
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index), now)
    db.session.commit()
    ids = (attempt.id, registration.id, coordinator.id)
    barrier, errors = threading.Barrier(2), []

    def submit_quiz():
        submission.submit(db.session.get(QuizAttempt, ids[0]), quiz, module, utcnow())

    def mark_attended():
        workshops.mark_attendance(db.session.get(Registration, ids[1]), True, ids[2], utcnow())

    def work(step):
        with app.app_context():
            try:
                barrier.wait()
                step()
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(step,)) for step in (submit_quiz, mark_attended)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(CertificateAward)) == 1
    assert db.session.scalar(select(func.count()).select_from(AwardRevision)) == 1


@pytest.mark.both_databases
def test_renewal_extends_the_same_award_with_a_revision(app, make_user, unit, coordinator, path):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    award = awards()[0]
    first_expiry, number = award.expires_at, award.number
    later = first_expiry - timedelta(days=60)  # renewal is open (the first reminder is at 90 days)
    assert services.assessment(user.id, path, later).verdict is Verdict.RENEWAL_DUE
    take_quiz(user.id, AttemptMode.REFRESHER, now=later)  # announces: renewed at once
    db.session.commit()
    db.session.expire_all()
    award = awards()[0]
    assert (award.number, award.revision) == (number, 2)
    assert award.expires_at == add_months(first_expiry, 24)
    revisions = services.revisions(award)
    assert [r.reason for r in revisions] == ["issued", "renewed"]
    assert revisions[0].fingerprint != revisions[1].fingerprint
    assert services.evaluate(user, later + timedelta(days=1)) == []  # one refresher renews once


def test_a_failed_refresher_does_not_renew(app, make_user, unit, coordinator, path):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    later = awards()[0].expires_at - timedelta(days=60)
    attempt = take_quiz(user.id, AttemptMode.REFRESHER, now=later,
                        wrong=("pattern", "paragraph", "signs", "steps", "case-first"))
    db.session.commit()
    assert attempt.passed is False
    assert awards()[0].revision == 1
    assert services.assessment(user.id, path, later).verdict is Verdict.RENEWAL_DUE


def test_a_lapsed_award_needs_the_workshop_again_and_renews_as_a_revision(app, make_user, unit,
                                                                           coordinator, path):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    award = awards()[0]
    number = award.number
    years = timedelta(days=5 * 365)  # issued, workshop attended, years ago; lapsed long since
    award.valid_from, award.expires_at = award.valid_from - years, utcnow() - 3 * years / 5
    for session in db.session.scalars(select(WorkshopSession)):
        session.starts_at, session.ends_at = session.starts_at - years, session.ends_at - years
    db.session.commit()
    take_quiz(user.id, AttemptMode.REFRESHER)
    db.session.commit()
    assert awards()[0].revision == 1  # one refresher does not bring back a lapsed certificate
    assert services.assessment(user.id, path, utcnow()).verdict is Verdict.RENEWAL_DUE
    attend(user, unit, coordinator, days_ago=1)
    db.session.commit()
    db.session.expire_all()
    award = awards()[0]
    assert (award.number, award.revision) == (number, 2)
    assert valid_until(award.expires_at) == add_months(local_date(award.valid_from), 24)  # from then


@pytest.mark.both_databases
def test_a_failing_pdf_does_not_undo_the_quiz_pass_and_the_daily_run_catches_up(
        app, backend, make_user, unit, coordinator, monkeypatch, caplog):
    user = make_user(unit=unit)
    attend(user, unit, coordinator)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    db.session.commit()

    def broken(_text):
        raise RuntimeError("the PDF renderer is broken")

    monkeypatch.setattr(documents, "render_pdf", broken)
    attempt = take_quiz(user.id)  # the last requirement: evaluation fails inside it
    db.session.commit()
    db.session.expire_all()
    assert attempt.passed and awards() == []
    assert services.assessment(user.id, services.path_of(PATH), utcnow()).verdict is Verdict.ELIGIBLE
    assert "the PDF renderer is broken" in caplog.text
    monkeypatch.undo()
    assert reminders.run(utcnow()).issued == 1
    db.session.commit()
    assert len(awards()) == 1


def test_the_event_passes_the_moment_of_the_change_on(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    attend(user, unit, coordinator)
    take_quiz(user.id)
    read_module(user.id, "first-steps")
    module = services.catalogue().module("second-steps")
    moment = utcnow().replace(microsecond=0) - timedelta(hours=2)
    for section_id in module.section_ids:
        progress.mark_read(user.id, module, section_id, moment)
    db.session.commit()
    assert awards()[0].issued_at == moment


def test_revoking_needs_a_reason_and_the_units(app, make_user, make_unit, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    award = awards()[0]
    outsider = make_user(Role.COORDINATOR, unit=make_unit("Elsewhere"))
    with pytest.raises(Forbidden):
        services.revoke(outsider, award, "Left the unit", utcnow())
    with pytest.raises(DomainError):
        services.revoke(coordinator, award, "   ", utcnow())
    services.revoke(coordinator, award, "Left the key-officer role", utcnow())
    db.session.commit()
    assert award.revoked_at is not None and award.revoked_by_id == coordinator.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert event.actor_id == coordinator.id and event.details["reason"] == "Left the key-officer role"
    assert services.evaluate(user, utcnow()) == []  # revoked stays revoked


def _messages() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.subject).where(
        OutboxMessage.subject.like("%expires%")).order_by(OutboxMessage.id)))


@pytest.mark.both_databases
def test_each_reminder_is_queued_once_with_a_frozen_clock(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    expires = awards()[0].expires_at
    assert reminders.queue_reminders(expires - timedelta(days=100)) == 0
    for days, expected in [(90, 1), (89, 1), (30, 2), (29, 2), (7, 3), (6, 3)]:
        for _ in range(2):  # the daily command runs twice
            reminders.run(expires - timedelta(days=days))
            db.session.commit()
        assert len(_messages()) == expected
    assert reminders.queue_reminders(expires + timedelta(days=1)) == 0
    assert len(_messages()) == 3
    rows = db.session.scalars(select(CertificateReminder.days_before)).all()
    assert sorted(rows) == [7, 30, 90]


def test_the_first_reminder_is_due_on_its_calendar_day_across_the_autumn_change(
        app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    awards()[0].expires_at = expiry_after(date(2027, 11, 5))  # valid through 5 November (CET)
    db.session.commit()
    # 00:30 on 8 August (CEST): 90 calendar days before 6 November, but 90 days and 30 minutes in
    # hours, because the clocks go back on 31 October
    assert reminders.queue_reminders(datetime(2027, 8, 7, 22, 30)) == 1


def test_a_revoked_holder_gets_no_reminders(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    award = awards()[0]
    services.revoke(coordinator, award, "Left the key-officer role", utcnow())
    db.session.commit()
    for days in (90, 30, 7):
        reminders.run(award.expires_at - timedelta(days=days))
        db.session.commit()
    assert _messages() == []
    assert db.session.scalars(select(CertificateReminder)).all() == []


def test_a_run_that_missed_days_sends_only_the_most_urgent_reminder(app, make_user, unit,
                                                                     coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    expires = awards()[0].expires_at
    assert reminders.queue_reminders(expires - timedelta(days=5)) == 1
    db.session.commit()
    (subject,) = _messages()
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.subject == subject))
    assert "expires in 5 days" in body
    assert db.session.scalar(select(func.count()).select_from(CertificateReminder)) == 3


def test_a_renewed_award_gets_its_reminders_again(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    expires = awards()[0].expires_at
    reminders.queue_reminders(expires - timedelta(days=60))
    take_quiz(user.id, AttemptMode.REFRESHER, now=expires - timedelta(days=59))
    db.session.commit()
    new_expiry = awards()[0].expires_at
    assert reminders.queue_reminders(new_expiry - timedelta(days=80)) == 1


def test_the_daily_run_issues_what_no_event_announced(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    forget_awards()
    report = reminders.run(utcnow())
    db.session.commit()
    assert (report.issued, report.renewed) == (1, 0)
    assert reminders.run(utcnow()).issued == 0


def test_the_daily_command_reports_what_it_did(app, runner, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    forget_awards()
    result = runner.invoke(args=["certification", "run"])
    assert result.exit_code == 0, result.output
    assert "Certification: 1 issued, 0 renewed, 0 reminders queued." in result.output
    result = runner.invoke(args=["certification", "run"])
    assert "Certification: 0 issued, 0 renewed, 0 reminders queued." in result.output


@pytest.mark.both_databases
def test_the_foreign_keys_a_deletion_looks_up_are_indexed(app, backend):
    inspector = inspect(db.engine)
    for table, column in (("certificate_award", "revoked_by_id"),
                          ("certificate_reminder", "message_id")):
        assert [column] in [index["column_names"] for index in inspector.get_indexes(table)]


def test_the_revision_list_leaves_the_pdfs_unloaded(app, make_user, unit, coordinator):
    user = make_user(unit=unit)
    certify(user, unit, coordinator)
    db.session.expunge_all()  # nothing cached from issuing
    award = awards()[0]
    (revision,) = services.revisions(award)
    assert "pdf" in inspect(revision).unloaded and revision.fingerprint
    assert services.revision_of(award).pdf.startswith(b"%PDF")


def test_the_score_and_pass_mark_shown_come_from_the_same_attempt(app, make_user, unit, path):
    user = make_user(unit=unit)
    first = take_quiz(user.id)
    first.passed = False  # so that a second graded attempt may start ...
    db.session.commit()
    second = take_quiz(user.id)
    first.passed = True  # ... then both count as passed
    first.score, first.pass_mark = 1.0, 60  # the best score, passed under an older, lower mark
    second.score, second.pass_mark = 0.85, 80
    db.session.commit()
    module = services.evidence(user.id, path, utcnow()).modules["second-steps"]
    assert (module.best_score, module.pass_mark) == (1.0, 60)
