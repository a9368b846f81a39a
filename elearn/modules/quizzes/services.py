"""Attempt rules: who may start an attempt and when, drawing it, and finding a learner's attempts.

Saving, submitting and grading are in submission.py.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from elearn.errors import Conflict, Forbidden, NotFound
from elearn.extensions import db
from elearn.modules.auth.services import lock_user
from elearn.modules.courses.catalogue import CourseModule
from elearn.modules.courses.services import loaded
from elearn.modules.quizzes.definitions import Quiz, QuizBank
from elearn.modules.quizzes.drawing import draw
from elearn.modules.quizzes.models import AttemptMode, AttemptQuestion, AttemptState, QuizAttempt

EXTENSION_KEY = "elearn.quizzes"


def quiz_bank() -> QuizBank:
    return loaded(EXTENSION_KEY)


@dataclass(frozen=True)
class Standing:
    """A learner's graded attempts at a quiz, for the module's current major version."""

    used: int
    left: int | None  # None: no limit
    best: float | None
    passed: bool  # passed at this major version: completes the quiz part, unlocks refreshers
    open_attempt: int | None
    next_start: datetime | None  # the cooldown's end, when it has not ended yet

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and self.refusal is None

    @property
    def refusal(self):
        """Why a new graded attempt may not start now, or None."""
        if self.passed:
            return _l("You have already passed this quiz.")
        if self.left == 0:
            return _l("You have used all your attempts. Ask your training coordinator.")
        if self.next_start is not None:
            return _l("You can start the next attempt after the waiting time.")
        return None


def standing(user_id: int, quiz: Quiz, module: CourseModule, now: datetime) -> Standing:
    """The learner's standing at quiz for the module's current major version, from one query."""
    current = QuizAttempt.module_major == module.version.major
    submitted = QuizAttempt.state == AttemptState.SUBMITTED
    used, best, passed, last, open_id = db.session.execute(select(
        func.count().filter(submitted), func.max(QuizAttempt.score).filter(submitted),
        func.max(case((QuizAttempt.passed, 1), else_=0)),
        func.max(QuizAttempt.submitted_at).filter(submitted),
        func.max(QuizAttempt.id).filter(QuizAttempt.state == AttemptState.IN_PROGRESS),
    ).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
            QuizAttempt.mode == AttemptMode.GRADED, current)).one()
    next_start = last + timedelta(minutes=quiz.cooldown_minutes) if last and quiz.cooldown_minutes \
        else None
    return Standing(used, None if quiz.max_attempts is None else max(0, quiz.max_attempts - used),
                    best, bool(passed), open_id, next_start if next_start and next_start > now else None)


def open_refresher(user_id: int, quiz: Quiz) -> int | None:
    return db.session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
        QuizAttempt.mode == AttemptMode.REFRESHER, QuizAttempt.state == AttemptState.IN_PROGRESS))


def start_attempt(user_id: int, quiz: Quiz, module: CourseModule, mode: AttemptMode,
                  now: datetime, retry: bool = True) -> QuizAttempt:
    """The learner's open attempt in mode, else a new one with its questions drawn.

    Raises Forbidden when the rules do not allow one now (no attempts left, cooldown, already passed,
    a refresher before passing, a quiz without refreshers).
    """
    _withdraw_outdated(user_id, quiz, module)
    position = standing(user_id, quiz, module, now)
    if mode is AttemptMode.GRADED:
        if position.open_attempt:
            return db.session.get(QuizAttempt, position.open_attempt)
        if position.refusal:
            raise Forbidden(position.refusal)
    else:
        if not quiz.refresher:
            raise Forbidden(_l("This quiz has no refresher."))
        if not position.passed:
            raise Forbidden(_l("Refreshers open once you have passed the quiz."))
        if (open_id := open_refresher(user_id, quiz)) is not None:
            return db.session.get(QuizAttempt, open_id)
    attempt = _new_attempt(user_id, quiz, module, mode, now)
    if attempt is None:  # the open attempt another request made was closed before it could be read
        if not retry:
            raise Conflict(_l("Another attempt was started at the same moment. Please try again."))
        return start_attempt(user_id, quiz, module, mode, now, retry=False)
    return attempt


def _withdraw_outdated(user_id: int, quiz: Quiz, module: CourseModule) -> None:
    """An attempt still open from before the module's last major change could no longer count."""
    db.session.execute(update(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
        QuizAttempt.state == AttemptState.IN_PROGRESS,
        QuizAttempt.module_major != module.version.major).values(state=AttemptState.VOID)
        .execution_options(synchronize_session=False))


def _new_attempt(user_id: int, quiz: Quiz, module: CourseModule, mode: AttemptMode,
                 now: datetime) -> QuizAttempt | None:
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
            lock_user(user_id)  # starts by one learner take turns (PostgreSQL; SQLite has one writer)
            db.session.add(attempt)
            db.session.flush()
            db.session.add_all(AttemptQuestion(
                attempt_id=attempt.id, question_id=d.question_id, item=d.item, position=d.position,
                parent_id=d.parent_id, option_order=json.dumps(d.option_order)) for d in drawn)
            db.session.flush()
            _recheck(user_id, quiz, module, mode, now)
    except IntegrityError:  # a second tab or a double click opened one at the same moment
        return db.session.scalar(select(QuizAttempt).where(
            QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug == quiz.slug,
            QuizAttempt.mode == mode, QuizAttempt.state == AttemptState.IN_PROGRESS))
    return attempt


def _recheck(user_id: int, quiz: Quiz, module: CourseModule, mode: AttemptMode, now: datetime) -> None:
    """The rules once more, now that this transaction holds the write lock: an attempt submitted in
    another request since the first check counts."""
    if mode is AttemptMode.GRADED and (refusal := standing(user_id, quiz, module, now).refusal):
        raise Forbidden(refusal)


def attempt_of(user_id: int, attempt_id: int) -> QuizAttempt:
    """The learner's own attempt; NotFound for anybody else's (no hint that it exists)."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound(_l("There is no such attempt."))
    return attempt


def questions_of(attempt: QuizAttempt, fresh: bool = False) -> list[AttemptQuestion]:
    """The attempt's drawn questions in order; fresh: re-read rows already loaded in this session."""
    query = select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id).order_by(
        AttemptQuestion.position)
    return list(db.session.scalars(query.execution_options(populate_existing=fresh)))


def page_count(attempt: QuizAttempt, rows: list[AttemptQuestion]) -> int:
    items = max((row.item for row in rows), default=1)
    return -(-items // attempt.per_page)


def rows_on_page(attempt: QuizAttempt, rows: list[AttemptQuestion], page: int) -> list[AttemptQuestion]:
    first = (page - 1) * attempt.per_page + 1
    return [row for row in rows if first <= row.item < first + attempt.per_page]


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
