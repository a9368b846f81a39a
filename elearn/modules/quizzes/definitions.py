"""A quiz as frozen objects, built once from content/quizzes/<slug>.yaml (see loader.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType

from markupsafe import Markup


class ReviewPolicy(enum.StrEnum):
    NEVER = "never"
    AFTER_PASSING = "after-passing"
    ALWAYS = "always"


@dataclass(frozen=True)
class Localized:
    """A text in both languages (already rendered, sanitised HTML)."""

    da: Markup
    en: Markup

    def __call__(self, locale: str) -> Markup:
        return self.da if locale == "da" else self.en


@dataclass(frozen=True)
class Option:
    id: str
    text: Localized | None  # None for true/false, whose labels the templates translate
    correct: bool
    feedback: Localized | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Localized
    options: tuple[Option, ...] = ()
    explanation: Localized | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    vignette: Localized | None = None  # scenarios only
    parts: tuple[Question, ...] = ()  # a scenario's questions, in the authored order

    @property
    def leaves(self) -> tuple[Question, ...]:
        """The questions that are answered and scored: a scenario's parts, or the question itself."""
        return self.parts or (self,)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Quiz:
    slug: str
    module: str
    version: str
    title: Localized
    pass_mark: int  # percent
    draw: int  # top-level questions per attempt
    questions: tuple[Question, ...]
    review: ReviewPolicy = ReviewPolicy.AFTER_PASSING
    require_tags: tuple[str, ...] = ()
    max_attempts: int | None = None
    cooldown_minutes: int = 0
    time_limit_minutes: int | None = None
    per_page: int = 5
    refresher: int = 0  # questions in a refresher; 0: no refresher
    index: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def question(self, question_id: str) -> Question | None:
        """A top-level question or a scenario part, by id."""
        return self.index.get(question_id)


@dataclass(frozen=True)
class QuizBank:
    quizzes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def quiz(self, slug: str | None) -> Quiz | None:
        return self.quizzes.get(slug) if slug else None
