"""Item analysis for coordinators: per question, how often it is drawn and got right, which options
are chosen, and whether it separates learners who know the material from those who do not.

Three set-based queries per quiz, whatever the number of attempts. The discrimination index is the
mean score on the question of the top 27 % of attempts (by total score) minus that of the bottom 27 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import case, func, select

from elearn.extensions import db
from elearn.modules.auth.services import members_of
from elearn.modules.courses.catalogue import SECTION_URL
from elearn.modules.quizzes.definitions import Question, Quiz
from elearn.modules.quizzes.models import (
    AttemptChoice,
    AttemptMode,
    AttemptQuestion,
    AttemptState,
    QuizAttempt,
)

#: Below this many attempts in each 27 % group the index says nothing and is not shown.
MIN_GROUP = 2
#: The fewest attempts that give groups of MIN_GROUP.
MIN_ATTEMPTS = next(n for n in range(1, 1000) if n * 27 // 100 >= MIN_GROUP)


@dataclass(frozen=True)
class OptionStat:
    text: Markup | str
    correct: bool
    chosen: int
    percent: int


@dataclass(frozen=True)
class QuestionStat:
    question_id: str
    text: Markup
    type: str
    scenario: Markup | None
    section_url: str | None
    drawn: int
    answered: int
    percent_correct: int
    mean_score: float
    discrimination: float | None
    options: tuple[OptionStat, ...]
    #: Answers still stored: the options are counted among these (older ones were removed after the
    #: retention period; their scores still count above).
    answers_kept: int = 0


def _filters(quiz: Quiz, unit_ids: set[int] | None, query):
    """Graded, submitted attempts at the quiz's current major version by people in the units
    (None: everybody)."""
    major = quiz.version.split(".")[0]
    query = query.where(QuizAttempt.quiz_slug == quiz.slug, QuizAttempt.mode == AttemptMode.GRADED,
                        QuizAttempt.state == AttemptState.SUBMITTED,
                        QuizAttempt.quiz_version.like(f"{major}.%"))  # this version's questions
    if unit_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(members_of(unit_ids)))
    return query


def attempt_counts(unit_ids: set[int] | None) -> dict[str, int]:
    """Graded, submitted attempts per quiz slug, within the units (None: everybody)."""
    query = select(QuizAttempt.quiz_slug, func.count()).where(
        QuizAttempt.mode == AttemptMode.GRADED, QuizAttempt.state == AttemptState.SUBMITTED)
    if unit_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(members_of(unit_ids)))
    return dict(db.session.execute(query.group_by(QuizAttempt.quiz_slug)).all())


def _question_rows(quiz: Quiz, unit_ids: set[int] | None):
    ranked = _filters(quiz, unit_ids, select(
        QuizAttempt.id, func.row_number().over(order_by=(QuizAttempt.score, QuizAttempt.id))
        .label("rank"), func.count().over().label("n"))).cte("ranked")
    group = ranked.c.n * 27 // 100  # integer division on both databases
    score = AttemptQuestion.score
    return db.session.execute(
        select(AttemptQuestion.question_id, func.count(),
               func.count(case((AttemptQuestion.answer.is_not(None)
                                | AttemptQuestion.answered_at.is_not(None), 1))),
               func.sum(case((score >= 1, 1), else_=0)), func.avg(score),
               func.avg(case((ranked.c.rank > ranked.c.n - group, score))),
               func.avg(case((ranked.c.rank <= group, score))), func.max(group),
               func.count(AttemptQuestion.answer))
        .join(ranked, ranked.c.id == AttemptQuestion.attempt_id)
        .group_by(AttemptQuestion.question_id)).all()


def _option_counts(quiz: Quiz, unit_ids: set[int] | None) -> dict[tuple[str, str], int]:
    rows = db.session.execute(_filters(quiz, unit_ids, select(
        AttemptChoice.question_id, AttemptChoice.option_id, func.count())
        .join(QuizAttempt, QuizAttempt.id == AttemptChoice.attempt_id))
        .group_by(AttemptChoice.question_id, AttemptChoice.option_id)).all()
    return {(question, option): count for question, option, count in rows}


def _options(question: Question, counts: dict, answered: int, locale: str, labels: dict):
    if question.type == "ordering":
        return ()
    return tuple(OptionStat(option.text(locale) if option.text else labels[option.id], option.correct,
                            counts.get((question.id, option.id), 0),
                            round(100 * counts.get((question.id, option.id), 0) / answered)
                            if answered else 0)
                 for option in question.options)


def item_analysis(quiz: Quiz, unit_ids: set[int] | None, locale: str,
                  labels: dict) -> tuple[int, list[QuestionStat]]:
    """The number of attempts analysed and each question's figures, the most often missed first."""
    total = db.session.scalar(_filters(quiz, unit_ids, select(func.count(QuizAttempt.id)))) or 0
    counts = _option_counts(quiz, unit_ids)
    parents = {part.id: q for q in quiz.questions for part in q.parts}
    stats = []
    for question_id, drawn, answered, right, mean, upper, lower, group, kept in _question_rows(quiz,
                                                                                                unit_ids):
        question = quiz.question(question_id)
        if question is None:  # removed from the pool since; its old figures mean nothing now
            continue
        parent = parents.get(question_id)
        stats.append(QuestionStat(
            question_id, question.text(locale), question.type,
            parent.vignette(locale) if parent and parent.vignette else None,
            SECTION_URL.format(slug=quiz.module, section=question.section) if question.section
            else None, drawn, answered, round(100 * right / drawn) if drawn else 0, float(mean or 0),
            float(upper) - float(lower) if group >= MIN_GROUP and upper is not None
            and lower is not None else None,
            _options(question, counts, kept, locale, labels), kept))
    stats.sort(key=lambda s: (s.percent_correct, s.question_id))
    return total, stats
