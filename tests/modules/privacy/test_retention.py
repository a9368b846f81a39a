"""`elearn retention run`: exactly the rows older than each period lose what they hold (scores,
ratings and attempts stay); 0 keeps everything; a second run removes nothing; the review and the item
analysis read attempts whose answers are gone."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.audit.services import record
from elearn.modules.privacy import retention
from elearn.modules.quizzes import analysis
from elearn.modules.quizzes.models import (
    AttemptChoice,
    AttemptMode,
    AttemptQuestion,
    AttemptState,
    QuizAttempt,
)
from elearn.modules.quizzes.pages import true_false_labels
from elearn.modules.quizzes.services import quiz_bank
from elearn.modules.workshops.models import Feedback
from tests.modules.certification.conftest import take_quiz
from tests.modules.privacy.conftest import EMAIL, FEEDBACK


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def age(model, column, ids, days: int) -> None:
    db.session.execute(update(model).where(model.id.in_(ids)).values({column: utcnow() - timedelta(days=days)}))
    db.session.commit()


@pytest.fixture
def history(leaver, make_user, unit):
    """The leaver's attempt, feedback and audit events are 400 days old; someone else's are new."""
    old_attempt = leaver.attempt_id
    other = make_user(unit=unit)
    new_attempt = take_quiz(other.id).id
    db.session.commit()
    age(QuizAttempt, "submitted_at", [old_attempt], 400)
    age(Feedback, "created_at", list(db.session.scalars(select(Feedback.id))), 400)
    old_events = list(db.session.scalars(select(AuditEvent.id)))
    age(AuditEvent, "created_at", old_events, 400)
    record(None, "recent", "x")
    db.session.commit()
    return {"old": old_attempt, "new": new_attempt, "old_events": len(old_events)}


PERIODS = retention.Periods(quiz_answers=365, feedback=365, audit=365)


def answers_of(attempt_id: int) -> tuple[int, int]:
    return (count(AttemptQuestion, AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.answer.is_not(None)),
            count(AttemptChoice, AttemptChoice.attempt_id == attempt_id))


@pytest.mark.both_databases
def test_retention_removes_exactly_the_old_rows_and_keeps_scores(app, history):
    old, new = history["old"], history["new"]
    scores = db.session.execute(select(QuizAttempt.id, QuizAttempt.score, QuizAttempt.passed)
                                .order_by(QuizAttempt.id)).all()
    old_answers, old_choices = answers_of(old)
    assert old_answers and old_choices and all(answers_of(new))
    report = retention.run(utcnow(), PERIODS, checkpoint=db.session.commit, chunk=1)
    assert (report.attempts, report.answers, report.choices) == (1, old_answers, old_choices)
    assert (report.feedback, report.audit_events) == (1, history["old_events"])
    assert answers_of(old) == (0, 0) and all(answers_of(new))
    assert db.session.execute(select(QuizAttempt.id, QuizAttempt.score, QuizAttempt.passed)
                              .order_by(QuizAttempt.id)).all() == scores
    assert count(AttemptQuestion, AttemptQuestion.attempt_id == old, AttemptQuestion.score.is_not(None)) > 0
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.rating, feedback.useful, feedback.missing) == (4, "", "")
    assert {e.action for e in db.session.scalars(select(AuditEvent))} == {"recent", "retention.run"}

    again = retention.run(utcnow(), PERIODS, checkpoint=db.session.commit)
    assert again == retention.Report()
    assert count(AuditEvent) == 2  # an empty run records nothing


def _unsubmitted_attempt(user_id: int) -> int:
    """An attempt answered and left in progress, as an abandoned one is."""
    from werkzeug.datastructures import MultiDict

    from elearn.modules.courses.services import catalogue
    from elearn.modules.quizzes import answers, submission
    from elearn.modules.quizzes import services as quizzes
    from tests.modules.quizzes.conftest import right_answer_form

    quiz, module = quiz_bank().quiz("second-steps"), catalogue().module("second-steps")
    attempt = quizzes.start_attempt(user_id, quiz, module, AttemptMode.GRADED, utcnow())
    rows = quizzes.questions_of(attempt)
    form = MultiDict(right_answer_form(attempt, rows, quiz, ()))
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index), utcnow())
    db.session.commit()
    return attempt.id


@pytest.mark.both_databases
def test_abandoned_attempts_in_progress_lose_their_answers_by_their_start(app, history, make_user, unit):
    abandoned, open_ = _unsubmitted_attempt(make_user(unit=unit).id), _unsubmitted_attempt(
        make_user(unit=unit).id)
    assert answers_of(abandoned)[0] and answers_of(open_)[0]
    age(QuizAttempt, "started_at", [abandoned], 400)
    age(QuizAttempt, "started_at", [open_], 300)
    report = retention.run(utcnow(), PERIODS, checkpoint=db.session.commit)
    assert report.attempts == 2  # the submitted one from history and the abandoned one
    assert answers_of(abandoned) == (0, 0) and answers_of(open_)[0]
    assert db.session.get(QuizAttempt, abandoned).state == AttemptState.IN_PROGRESS


def test_zero_keeps_everything(app, history):
    report = retention.run(utcnow(), retention.Periods(0, 0, 0), checkpoint=db.session.commit)
    assert report == retention.Report()
    assert all(answers_of(history["old"]))
    assert db.session.scalar(select(Feedback.useful)) == FEEDBACK


def test_the_review_and_the_item_analysis_read_attempts_without_answers(client, auth, history):
    quiz = quiz_bank().quiz("second-steps")
    removed = answers_of(history["old"])[0]
    before = analysis.item_analysis(quiz, None, "en", true_false_labels())
    retention.run(utcnow(), PERIODS, checkpoint=db.session.commit)
    total, stats = analysis.item_analysis(quiz, None, "en", true_false_labels())
    assert total == before[0] == 2
    assert [(s.drawn, s.answered, s.percent_correct) for s in stats] == [
        (s.drawn, s.answered, s.percent_correct) for s in before[1]]
    assert sum(s.answered - s.answers_kept for s in stats) == removed
    assert all(o.chosen == o.percent == 0 for s in stats if not s.answers_kept for o in s.options)

    attempt = db.session.get(QuizAttempt, history["old"])
    auth.login(EMAIL)
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Your answer is no longer stored" in page and "Correct" in page and "Not answered" not in page
    record_page = client.get("/account/record").get_data(as_text=True)
    assert "Your answer is no longer stored" in record_page


def test_the_command_prints_what_it_removed(app, runner, history):
    app.config.update(RETENTION_QUIZ_ANSWERS_DAYS=365, RETENTION_FEEDBACK_DAYS=0, RETENTION_AUDIT_DAYS=365)
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "answers removed from 1 quiz attempts" in result.output
    assert "0 feedback texts blanked" in result.output and "feedback texts: kept for ever" in result.output
    assert db.session.scalar(select(Feedback.useful)) == FEEDBACK
    result = runner.invoke(args=["retention", "run"])
    assert "answers removed from 0 quiz attempts" in result.output and "0 audit events deleted" in result.output


@pytest.mark.both_databases
def test_two_runs_at_once_remove_everything_once(app, history):
    expected = answers_of(history["old"])
    db.session.commit()
    reports, errors = [], []

    def run():
        try:
            with app.app_context():
                reports.append(retention.run(utcnow(), PERIODS, checkpoint=db.session.commit, chunk=1))
                db.session.remove()
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(reports) == 2
    assert sum(r.answers for r in reports) == expected[0] and sum(r.choices for r in reports) == expected[1]
    assert sum(r.attempts for r in reports) == 1 and sum(r.feedback for r in reports) == 1
    assert sum(r.audit_events for r in reports) == history["old_events"]
    assert answers_of(history["old"]) == (0, 0) and all(answers_of(history["new"]))
    assert count(AuditEvent, AuditEvent.action == "recent") == 1
