"""Answering and submitting: answers saved as they are given, the time limit on the server's clock,
submission exactly once, and grading with the server's own keys."""

from __future__ import annotations

import enum
import json
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from elearn import events
from elearn.errors import Conflict
from elearn.extensions import db
from elearn.modules.courses.catalogue import CourseModule
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import answers, grading
from elearn.modules.quizzes.definitions import Quiz
from elearn.modules.quizzes.models import (
    AttemptChoice,
    AttemptMode,
    AttemptQuestion,
    AttemptState,
    QuizAttempt,
)
from elearn.modules.quizzes.services import questions_of

#: Answers that arrive this long after the deadline still count: the network is not the learner's fault.
GRACE = timedelta(seconds=30)


class Outcome(enum.Enum):
    OPEN = "open"  # can be answered
    WITHDRAWN = "withdrawn"  # withdrawn just now: the quiz or module changed under it
    TIMED_OUT = "timed-out"  # submitted just now: its time was up
    CLOSED = "closed"  # submitted or withdrawn before


def still_fits(attempt: QuizAttempt, quiz: Quiz, module: CourseModule | None,
               rows: list[AttemptQuestion]) -> bool:
    """Whether every drawn question and option still exists as drawn, and (for a graded attempt)
    the module is at the same major version, so the attempt can still be answered and count."""
    if module is None or module.version.major != attempt.module_major:
        return False
    for row in rows:
        question = quiz.question(row.question_id)
        if question is None or {o.id for o in question.options} != set(json.loads(row.option_order)) \
                or not answers.shape_fits(question, row.answer):
            return False
        parent = quiz.question(row.parent_id) if row.parent_id else None
        if row.parent_id and (parent is None or question not in parent.parts):
            return False
    return True


def void(attempt: QuizAttempt) -> bool:
    """Withdraw an open attempt without counting it; whether this call did (a concurrent submit
    may have closed it first)."""
    result = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                  QuizAttempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.VOID).execution_options(synchronize_session=False))
    db.session.refresh(attempt)
    return result.rowcount == 1


def is_overdue(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def settle(attempt: QuizAttempt, quiz: Quiz, module: CourseModule | None,
           rows: list[AttemptQuestion], now: datetime) -> Outcome:
    """Bring an attempt up to date before it is shown: withdraw it when the quiz changed under it,
    submit it when its time is up (with the answers saved in time)."""
    if attempt.state is not AttemptState.IN_PROGRESS:
        return Outcome.CLOSED
    if not still_fits(attempt, quiz, module, rows):
        return Outcome.WITHDRAWN if void(attempt) else Outcome.CLOSED
    if is_overdue(attempt, now):
        return Outcome.TIMED_OUT if submit(attempt, quiz, module, now) else Outcome.CLOSED
    return Outcome.OPEN


def save_answers(attempt: QuizAttempt, rows: list[AttemptQuestion], stored: dict[str, str | None],
                 now: datetime) -> None:
    """Save the answers given on a page (None clears one). Raises Conflict once the attempt is closed
    or its time is up (the answers saved before then count)."""
    if is_overdue(attempt, now):
        raise Conflict(_l("The time for this attempt is up. The answers saved before then count."))
    # Take the attempt's lock first: a submit in another request either finished before (then this
    # save is refused) or waits for this one to commit (then it grades these answers).
    held = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                  QuizAttempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.IN_PROGRESS).execution_options(synchronize_session=False))
    if held.rowcount != 1:
        raise Conflict(_l("This attempt has been submitted; answers can no longer be changed."))
    for row in rows:
        if row.question_id in stored and stored[row.question_id] != row.answer:
            row.answer = stored[row.question_id]
            row.answered_at = now if row.answer is not None else None
    db.session.flush()


def submit(attempt: QuizAttempt, quiz: Quiz, module: CourseModule | None, now: datetime) -> bool:
    """Move the attempt from in progress to submitted and grade it, exactly once.

    A second submit, a second tab or a concurrent request finds it submitted and changes nothing:
    the conditional update lets only one of them through. An attempt the quiz no longer fits is
    withdrawn instead. Returns whether this call submitted it.
    """
    rows = questions_of(attempt)
    if attempt.state is AttemptState.IN_PROGRESS and not still_fits(attempt, quiz, module, rows):
        void(attempt)
        return False
    closed_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    result = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                  QuizAttempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.SUBMITTED, submitted_at=closed_at)
        .execution_options(synchronize_session=False))
    db.session.refresh(attempt)
    if result.rowcount != 1:
        return False
    _grade(attempt, quiz, questions_of(attempt, fresh=True))  # as committed by any save before
    if attempt.mode is AttemptMode.GRADED and module is not None:
        progress.record_quiz_score(attempt.user_id, module, attempt.score)
    if attempt.passed and attempt.mode is AttemptMode.GRADED:
        progress.record_quiz_pass(attempt.user_id, module, now)  # announces the change itself
    elif attempt.passed:  # a refresher passed can renew a certificate
        events.announce(events.EVIDENCE_CHANGED, attempt.user_id, now)
    db.session.flush()
    return True


def _grade(attempt: QuizAttempt, quiz: Quiz, rows: list[AttemptQuestion]) -> None:
    scores = []
    for row in rows:
        question = quiz.question(row.question_id)
        row.score = grading.check(question, answers.decode(question, row.answer))
        scores.append(row.score)
        db.session.add_all(AttemptChoice(attempt_id=attempt.id, question_id=row.question_id,
                                         option_id=option_id)
                           for option_id in answers.chosen_options(question, row.answer))
    attempt.score = grading.total(scores)
    attempt.passed = grading.passed(attempt.score, attempt.pass_mark)
