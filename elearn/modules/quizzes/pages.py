"""What the quiz pages show, as finished values (see sheets.py for the questions themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from elearn.modules.courses.catalogue import CourseModule
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import services, sheets
from elearn.modules.quizzes.definitions import Quiz
from elearn.modules.quizzes.models import AttemptMode, AttemptQuestion, QuizAttempt
from elearn.modules.quizzes.services import Standing

REVIEW_LABELS = {
    "never": _l("The review shows which answers were right or wrong, with explanations; never the "
                "correct options."),
    "after-passing": _l("The review shows which answers were right or wrong, with explanations; the "
                        "correct options once you have passed."),
    "always": _l("The review shows which answers were right or wrong, with explanations and the "
                 "correct options for the questions you answered."),
}


def true_false_labels() -> dict:
    return {"true": _l("True"), "false": _l("False")}


def percent(score: float | None) -> int | None:
    return None if score is None else round(score * 100)


@dataclass(frozen=True)
class PastAttempt:
    url: str
    mode: str
    submitted_at: datetime
    percent: int
    passed: bool


@dataclass(frozen=True)
class Overview:
    slug: str
    title: Markup
    module_title: str
    module_url: str
    pass_mark: int
    questions: int
    max_attempts: int | None
    cooldown_minutes: int
    time_limit_minutes: int | None
    review_text: object
    standing: Standing
    refresher_questions: int
    can_refresh: bool
    all_read: bool
    history: tuple[PastAttempt, ...]
    resume_url: str | None
    refresher_resume_url: str | None


def _past(attempt: QuizAttempt) -> PastAttempt:
    return PastAttempt(url_for("quizzes.result", attempt_id=attempt.id), attempt.mode.value,
                       attempt.submitted_at, percent(attempt.score), bool(attempt.passed))


def overview(quiz: Quiz, module: CourseModule, user_id: int, locale: str, now: datetime) -> Overview:
    position = services.standing(user_id, quiz, module, now)
    refresher = services.open_refresher(user_id, quiz)
    return Overview(
        quiz.slug, quiz.title(locale), module.text(locale).title,
        url_for("courses.module", slug=module.slug), quiz.pass_mark, quiz.draw, quiz.max_attempts,
        quiz.cooldown_minutes, quiz.time_limit_minutes, REVIEW_LABELS[quiz.review.value], position,
        quiz.refresher, bool(quiz.refresher and position.passed),
        progress.state(user_id, module).all_read,
        tuple(_past(a) for a in services.history(user_id, quiz)),
        url_for("quizzes.resume", attempt_id=position.open_attempt) if position.open_attempt else None,
        url_for("quizzes.resume", attempt_id=refresher) if refresher else None)


@dataclass(frozen=True)
class OpenAttempt:
    title: Markup
    url: str
    refresher: bool
    deadline: datetime | None


def open_attempt_links(user_id: int, locale: str) -> list[OpenAttempt]:
    """The learner's unfinished attempts, for the dashboard (a quiz since removed is left out)."""
    bank = services.quiz_bank()
    return [OpenAttempt(quiz.title(locale), url_for("quizzes.resume", attempt_id=attempt.id),
                        attempt.mode is AttemptMode.REFRESHER, attempt.deadline_at)
            for attempt in services.open_attempts(user_id) if (quiz := bank.quiz(attempt.quiz_slug))]


def first_open_page(attempt: QuizAttempt, rows: list[AttemptQuestion]) -> int:
    """The page of the first unanswered question, else the last page."""
    pending = [row.item for row in rows if row.answer is None]
    item = min(pending) if pending else max(row.item for row in rows)
    return (item - 1) // attempt.per_page + 1


def after_save(attempt: QuizAttempt, rows: list[AttemptQuestion], page: int, action: str | None) -> str:
    """Where the page's buttons lead once its answers are saved."""
    last = services.page_count(attempt, rows)
    if action == "previous" and page > 1:
        return url_for("quizzes.attempt_page", attempt_id=attempt.id, page=page - 1)
    if action == "next" and page < last:
        return url_for("quizzes.attempt_page", attempt_id=attempt.id, page=page + 1)
    if action == "finish" or (action == "next" and page == last):
        return url_for("quizzes.finish", attempt_id=attempt.id)
    return url_for("quizzes.attempt_page", attempt_id=attempt.id, page=page)


@dataclass(frozen=True)
class QuestionPage:
    attempt_id: int
    title: Markup
    refresher: bool
    page: int
    pages: int
    items: tuple[sheets.ItemView, ...]
    answered: int
    total: int
    deadline: datetime | None
    seconds_left: int | None
    save_url: str


def _seconds_left(attempt: QuizAttempt, now: datetime) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - now).total_seconds()))


def question_page(attempt: QuizAttempt, quiz: Quiz, rows: list[AttemptQuestion], page: int,
                  locale: str, now: datetime) -> QuestionPage:
    on_page = services.rows_on_page(attempt, rows, page)
    return QuestionPage(
        attempt.id, quiz.title(locale), attempt.mode is AttemptMode.REFRESHER, page,
        services.page_count(attempt, rows), tuple(sheets.items(attempt, on_page, quiz, locale)),
        sum(1 for row in rows if row.answer is not None), len(rows), attempt.deadline_at,
        _seconds_left(attempt, now),
        url_for("quizzes.attempt_page", attempt_id=attempt.id, page=page))


@dataclass(frozen=True)
class FinishPage:
    attempt_id: int
    title: Markup
    questions: tuple[sheets.QuestionView, ...]
    answered: int
    total: int
    deadline: datetime | None
    seconds_left: int | None
    last_page: int


def finish_page(attempt: QuizAttempt, quiz: Quiz, rows: list[AttemptQuestion], locale: str,
                now: datetime) -> FinishPage:
    questions = tuple(q for item in sheets.items(attempt, rows, quiz, locale) for q in item.questions)
    return FinishPage(attempt.id, quiz.title(locale), questions,
                      sum(1 for q in questions if q.answered and not q.incomplete_order),
                      len(questions), attempt.deadline_at, _seconds_left(attempt, now),
                      services.page_count(attempt, rows))


@dataclass(frozen=True)
class ResultPage:
    attempt_id: int
    slug: str
    title: Markup
    quiz_url: str
    module_title: str
    module_url: str
    refresher: bool
    percent: int
    pass_mark: int
    passed: bool
    submitted_at: datetime
    module_completed: bool
    sections_missing: bool
    standing: Standing
    review: list
    reveals: bool


def result_page(attempt: QuizAttempt, quiz: Quiz, module: CourseModule, user_id: int, locale: str,
                now: datetime) -> ResultPage:
    position = services.standing(user_id, quiz, module, now)
    state = progress.state(user_id, module)
    # The review shows today's questions and keys, so only a pass at today's module version counts.
    reveal_allowed = position.passed
    return ResultPage(
        attempt.id, quiz.slug, quiz.title(locale), url_for("quizzes.quiz", slug=quiz.slug),
        module.text(locale).title, url_for("courses.module", slug=module.slug),
        attempt.mode is AttemptMode.REFRESHER, percent(attempt.score), attempt.pass_mark,
        bool(attempt.passed), attempt.submitted_at, state.done, not state.all_read, position,
        sheets.review(attempt, services.questions_of(attempt), quiz, locale, reveal_allowed,
                      true_false_labels()),
        sheets.reveals_keys(attempt, reveal_allowed))
