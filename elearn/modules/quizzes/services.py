"""Attempt rules: who may start, drawing, saving answers as they are given, submitting exactly once,
the time limit on the server's clock, and grading with the server's own keys."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from elearn.clock import utcnow
from elearn.errors import Conflict, Forbidden, NotFound
from elearn.extensions import db
from elearn.modules.courses.catalogue import CourseModule
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import answers, grading
from elearn.modules.quizzes.definitions import Quiz, QuizBank
from elearn.modules.quizzes.drawing import draw
from elearn.modules.quizzes.models import (
    AttemptChoice,
    AttemptMode,
    AttemptQuestion,
    AttemptState,
    QuizAttempt,
)

EXTENSION_KEY = "elearn.quizzes"
#: Answers that arrive this long after the deadline still count: the network is not the learner's fault.
GRACE = timedelta(seconds=30)


def quiz_bank() -> QuizBank:
    return current_app.extensions[EXTENSION_KEY]


@dataclass(frozen=True)
class Standing:
    """A learner's graded attempts at a quiz (for the module's current major version)."""

    used: int
    left: int | None  # None: no limit
    best: float | None
    passed: bool
    ever_passed: bool  # at any version: unlocks refreshers
    open_attempt: int | None
    next_start: datetime | None  # the cooldown's end, when it has not ended yet

    @property
    def can_start(self) -> bool:
        return (self.open_attempt is None and not self.passed and self.next_start is None
                and (self.left is None or self.left > 0))


def standing(user_id: int, quiz: Quiz, module: CourseModule, now: datetime) -> Standing:
    """The learner's standing at quiz, from one query."""
    graded = QuizAttempt.mode == AttemptMode.GRADED
    current = QuizAttempt.module_major == module.version.major
    submitted = QuizAttempt.state == AttemptState.SUBMITTED
    row = db.session.execute(select(
        func.count().filter(current, submitted),
        func.max(QuizAttempt.score).filter(current, submitted),
        func.max(case((QuizAttempt.passed & current, 1), else_=0)),
        func.max(case((QuizAttempt.passed, 1), else_=0)),
        func.max(QuizAttempt.submitted_at).filter(current, submitted),
        func.max(QuizAttempt.id).filter(QuizAttempt.state == AttemptState.IN_PROGRESS, graded),
    ).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug, graded)).one()
    used, best, passed, ever, last, open_id = row
    next_start = last + timedelta(minutes=quiz.cooldown_minutes) if last and quiz.cooldown_minutes \
        else None
    return Standing(used, None if quiz.max_attempts is None else max(0, quiz.max_attempts - used),
                    best, bool(passed), bool(ever), open_id,
                    next_start if next_start and next_start > now else None)


def open_refresher(user_id: int, quiz: Quiz) -> int | None:
    return db.session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
        QuizAttempt.mode == AttemptMode.REFRESHER, QuizAttempt.state == AttemptState.IN_PROGRESS))


def start_attempt(user_id: int, quiz: Quiz, module: CourseModule, mode: AttemptMode,
                  now: datetime) -> QuizAttempt:
    """The learner's open attempt in mode, else a new one with its questions drawn.

    Raises Forbidden when the rules do not allow one now (no attempts left, cooldown, already passed,
    refresher before passing, a quiz without refreshers).
    """
    position = standing(user_id, quiz, module, now)
    if mode is AttemptMode.GRADED:
        if position.open_attempt:
            return db.session.get(QuizAttempt, position.open_attempt)
        _check_may_start(position)
    else:
        if not quiz.refresher:
            raise Forbidden(_l("This quiz has no refresher."))
        if not position.ever_passed:
            raise Forbidden(_l("Refreshers open once you have passed the quiz."))
        if (open_id := open_refresher(user_id, quiz)) is not None:
            return db.session.get(QuizAttempt, open_id)
    return _new_attempt(user_id, quiz, module, mode, now)


def _check_may_start(position: Standing) -> None:
    if position.passed:
        raise Forbidden(_l("You have already passed this quiz."))
    if position.left == 0:
        raise Forbidden(_l("You have used all your attempts. Ask your training coordinator."))
    if position.next_start is not None:
        raise Forbidden(_l("You can start the next attempt after the waiting time."))


def _new_attempt(user_id: int, quiz: Quiz, module: CourseModule, mode: AttemptMode,
                 now: datetime) -> QuizAttempt:
    graded = mode is AttemptMode.GRADED
    seed = secrets.randbits(63)
    attempt = QuizAttempt(
        user_id=user_id, quiz_slug=quiz.slug, quiz_version=quiz.version, module_slug=module.slug,
        module_major=module.version.major, mode=mode, state=AttemptState.IN_PROGRESS, seed=seed,
        pass_mark=quiz.pass_mark, review_policy=quiz.review.value, started_at=now,
        per_page=quiz.per_page if graded else max(1, quiz.refresher),
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes)
        if graded and quiz.time_limit_minutes else None)
    drawn = draw(quiz, seed, quiz.draw if graded else quiz.refresher,
                 quiz.require_tags if graded else ())
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            db.session.add_all(AttemptQuestion(
                attempt_id=attempt.id, question_id=d.question_id, item=d.item, position=d.position,
                parent_id=d.parent_id, option_order=json.dumps(d.option_order)) for d in drawn)
    except IntegrityError:  # a second tab or a double click opened one at the same moment
        return db.session.scalar(select(QuizAttempt).where(
            QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
            QuizAttempt.mode == mode, QuizAttempt.state == AttemptState.IN_PROGRESS))
    db.session.flush()
    return attempt


def attempt_of(user_id: int, attempt_id: int) -> QuizAttempt:
    """The learner's own attempt; NotFound for anybody else's (no hint that it exists)."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound(_l("There is no such attempt."))
    return attempt


def questions_of(attempt: QuizAttempt) -> list[AttemptQuestion]:
    return list(db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)))


def page_count(attempt: QuizAttempt, rows: list[AttemptQuestion]) -> int:
    items = max((row.item for row in rows), default=1)
    return -(-items // attempt.per_page)


def rows_on_page(attempt: QuizAttempt, rows: list[AttemptQuestion], page: int) -> list[AttemptQuestion]:
    first = (page - 1) * attempt.per_page + 1
    return [row for row in rows if first <= row.item < first + attempt.per_page]


def still_fits(attempt: QuizAttempt, quiz: Quiz, rows: list[AttemptQuestion]) -> bool:
    """Whether every drawn question and option still exists (the quiz may have been edited since)."""
    for row in rows:
        question = quiz.question(row.question_id)
        if question is None or {o.id for o in question.options} != set(json.loads(row.option_order)):
            return False
    return True


def void(attempt: QuizAttempt) -> None:
    db.session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                                 QuizAttempt.state == AttemptState.IN_PROGRESS)
                       .values(state=AttemptState.VOID))
    db.session.flush()


def is_overdue(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def save_answers(attempt: QuizAttempt, rows: list[AttemptQuestion], stored: dict[str, str | None],
                 now: datetime) -> None:
    """Save the answers given on a page (None clears one). Raises Conflict once the attempt is closed
    or its time is up (the answers saved before then count)."""
    if attempt.state != AttemptState.IN_PROGRESS:
        raise Conflict(_l("This attempt has been submitted; answers can no longer be changed."))
    if is_overdue(attempt, now):
        raise Conflict(_l("The time for this attempt is up. The answers saved before then count."))
    for row in rows:
        if row.question_id in stored and stored[row.question_id] != row.answer:
            row.answer = stored[row.question_id]
            row.answered_at = now if row.answer is not None else None
    db.session.flush()


def submit(attempt: QuizAttempt, quiz: Quiz, module: CourseModule | None, now: datetime) -> bool:
    """Move the attempt from in progress to submitted and grade it, exactly once.

    A second submit, a second tab or a concurrent request finds it submitted and changes nothing:
    the conditional update lets only one of them through. Returns whether this call submitted it.
    """
    closed_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    result = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                  QuizAttempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.SUBMITTED, submitted_at=closed_at)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(attempt)
        return False
    db.session.refresh(attempt)
    _grade(attempt, quiz, questions_of(attempt))
    if attempt.passed and attempt.mode is AttemptMode.GRADED and module is not None \
            and module.version.major == attempt.module_major:
        progress.record_quiz_pass(attempt.user_id, module)
    db.session.flush()
    return True


def _grade(attempt: QuizAttempt, quiz: Quiz, rows: list[AttemptQuestion]) -> None:
    scores = []
    for row in rows:
        question = quiz.question(row.question_id)
        row.score = grading.check(question, answers.decode(question, row.answer)) if question else 0.0
        scores.append(row.score)
        if question is not None:
            db.session.add_all(AttemptChoice(attempt_id=attempt.id, question_id=row.question_id,
                                             option_id=option_id)
                               for option_id in answers.chosen_options(question, row.answer))
    attempt.score = grading.total(scores)
    attempt.passed = grading.passed(attempt.score, attempt.pass_mark)


def close_if_overdue(attempt: QuizAttempt, quiz: Quiz, module: CourseModule | None) -> bool:
    """Submit an attempt whose time ran out with the answers saved in time; whether it did."""
    now = utcnow()
    return attempt.state == AttemptState.IN_PROGRESS and is_overdue(attempt, now) and \
        submit(attempt, quiz, module, now)


def history(user_id: int, quiz: Quiz) -> list[QuizAttempt]:
    """The learner's submitted attempts at quiz, newest first (graded and refreshers)."""
    return list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
        QuizAttempt.state == AttemptState.SUBMITTED).order_by(QuizAttempt.submitted_at.desc(),
                                                              QuizAttempt.id.desc())))


def open_attempts(user_id: int) -> list[QuizAttempt]:
    """The learner's unfinished attempts (graded and refreshers), most recently started first."""
    return list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.state == AttemptState.IN_PROGRESS)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())))


def last_refresher(user_id: int, quiz_slug: str) -> QuizAttempt | None:
    """The learner's latest submitted refresher at quiz (certification: "refreshed within N months")."""
    return db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz_slug,
        QuizAttempt.mode == AttemptMode.REFRESHER, QuizAttempt.state == AttemptState.SUBMITTED)
        .order_by(QuizAttempt.submitted_at.desc()).limit(1))
