"""View models for quiz pages: a page of questions as the learner sees it, and the review.

Nothing here carries a key before submission: options have per-attempt tokens and the order drawn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from markupsafe import Markup

from elearn.modules.courses.catalogue import SECTION_URL
from elearn.modules.quizzes import answers
from elearn.modules.quizzes.definitions import Question, Quiz, ReviewPolicy
from elearn.modules.quizzes.drawing import option_token
from elearn.modules.quizzes.models import AttemptMode, AttemptQuestion, QuizAttempt


@dataclass(frozen=True)
class OptionView:
    token: str
    text: Markup | None  # None: a true/false label the template translates
    value: str  # "true"/"false" for those labels
    checked: bool
    place: int | None = None  # ordering: the place the learner gave this step


@dataclass(frozen=True)
class QuestionView:
    position: int
    number: str  # "3", or "3.2" for a scenario's second question
    type: str
    text: Markup
    field: str
    options: tuple[OptionView, ...]
    answered: bool
    incomplete_order: bool
    page: int


@dataclass(frozen=True)
class ItemView:
    number: int
    vignette: Markup | None
    questions: tuple[QuestionView, ...]


def _number(row: AttemptQuestion, siblings: list[AttemptQuestion]) -> str:
    if row.parent_id is None:
        return str(row.item)
    return f"{row.item}.{[r.question_id for r in siblings].index(row.question_id) + 1}"


def question_view(attempt: QuizAttempt, row: AttemptQuestion, question: Question, locale: str,
                  number: str, page: int) -> QuestionView:
    order = json.loads(row.option_order)
    chosen, placed = answers.chosen_options(question, row.answer), answers.places(row.answer)
    options = tuple(OptionView(option_token(attempt.seed, row.question_id, option_id),
                               option.text(locale) if option.text else None, option_id,
                               option_id in chosen, placed.get(option_id))
                    for option_id in order if (option := question.option(option_id)))
    return QuestionView(row.position, number, question.type, question.text(locale),
                        answers.field_name(row.position), options, row.answer is not None,
                        answers.ordering_problem(question, row.answer), page)


def items(attempt: QuizAttempt, rows: list[AttemptQuestion], quiz: Quiz, locale: str) -> list[ItemView]:
    """The attempt's questions grouped by top-level item, with the learner's saved answers."""
    grouped: dict[int, list[AttemptQuestion]] = {}
    for row in rows:
        grouped.setdefault(row.item, []).append(row)
    result = []
    for item, members in grouped.items():
        page = (item - 1) // attempt.per_page + 1
        parent = quiz.question(members[0].parent_id) if members[0].parent_id else None
        views = tuple(question_view(attempt, row, quiz.question(row.question_id), locale,
                                    _number(row, members), page) for row in members)
        result.append(ItemView(item, parent.vignette(locale) if parent and parent.vignette else None,
                               views))
    return result


@dataclass(frozen=True)
class ReviewLine:
    number: str
    text: Markup
    type: str
    state: str  # correct / partly / wrong / unanswered
    score: float
    given: tuple[Markup | str, ...]  # the learner's answer, as option texts (in their order)
    feedback: tuple[Markup, ...]
    explanation: Markup | None
    correct: tuple[Markup | str, ...] | None  # None: not revealed under the quiz's review policy
    section_url: str | None
    #: Answered, but the answer was removed after the retention period (the score is kept).
    answer_removed: bool = False


def reveals_keys(attempt: QuizAttempt, passed: bool) -> bool:
    """Whether the review may show the right options: never in a refresher (refreshers are unlimited,
    so they would hand out the whole pool), else as the quiz's policy says, passed meaning passed at
    the attempt's module version; and only ever for questions the learner answered, so an empty
    attempt harvests nothing."""
    if attempt.mode is AttemptMode.REFRESHER:
        return False
    policy = attempt.review_policy
    return policy == ReviewPolicy.ALWAYS or (policy == ReviewPolicy.AFTER_PASSING and passed)


def section_url(quiz: Quiz, question: Question, parent: Question | None = None) -> str | None:
    """The module section a question tests (a scenario's question: its own, else the scenario's)."""
    section = question.section or (parent.section if parent else None)
    return SECTION_URL.format(slug=quiz.module, section=section) if section else None


def _label(question: Question, option_id: str, locale: str, labels: dict) -> Markup | str:
    option = question.option(option_id)
    return option.text(locale) if option and option.text else labels[option_id]


def review_line(row: AttemptQuestion, question: Question, quiz: Quiz, number: str, locale: str,
                reveal: bool, labels: dict, parent: Question | None = None) -> ReviewLine:
    """One question of a submitted attempt, as the quiz's review policy allows it to be shown."""
    removed = row.answer is None and row.answered_at is not None
    answered, score = row.answer is not None or removed, row.score or 0.0
    state = "unanswered" if not answered else ("correct" if score >= 1 else
                                               "partly" if score > 0 else "wrong")
    known = {o.id for o in question.options}
    if question.type == "ordering":
        placed = {k: v for k, v in answers.places(row.answer).items() if k in known}
        given_ids = sorted(placed, key=placed.get)
        correct_ids = [o.id for o in question.options]
    else:
        given_ids = [o.id for o in question.options if o.id in answers.chosen_options(question,
                                                                                      row.answer)]
        correct_ids = [o.id for o in question.options if o.correct]
    feedback = tuple(o.feedback(locale) for o in question.options
                     if o.id in given_ids and o.feedback and question.type != "ordering")
    return ReviewLine(number, question.text(locale), question.type, state, score,
                      tuple(_label(question, i, locale, labels) for i in given_ids),
                      feedback if answered else (),
                      question.explanation(locale) if answered and question.explanation else None,
                      tuple(_label(question, i, locale, labels) for i in correct_ids)
                      if answered and reveal else None,
                      section_url(quiz, question, parent), removed)


@dataclass(frozen=True)
class ReviewGroup:
    """A question, or a scenario: its case, its questions, and its own explanation and section."""

    vignette: Markup | None
    lines: tuple[ReviewLine, ...]
    explanation: Markup | None = None
    section_url: str | None = None


def review(attempt: QuizAttempt, rows: list[AttemptQuestion], quiz: Quiz, locale: str,
           passed: bool, labels: dict) -> list[ReviewGroup]:
    """The review, grouped like the attempt (a scenario's vignette with its questions)."""
    reveal = reveals_keys(attempt, passed)
    grouped: dict[int, list[AttemptQuestion]] = {}
    for row in rows:
        grouped.setdefault(row.item, []).append(row)
    result = []
    for members in grouped.values():
        parent = quiz.question(members[0].parent_id) if members[0].parent_id else None
        lines = tuple(review_line(row, question, quiz, _number(row, members), locale, reveal, labels,
                                  parent)
                      for row in members if (question := quiz.question(row.question_id)))
        if parent is None:
            result.append(ReviewGroup(None, lines))
            continue
        answered = any(line.state != "unanswered" for line in lines)
        result.append(ReviewGroup(
            parent.vignette(locale) if parent.vignette else None, lines,
            parent.explanation(locale) if answered and parent.explanation else None,
            section_url(quiz, parent) if parent.section else None))
    return result
