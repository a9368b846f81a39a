"""Drawing an attempt's questions and ordering its options from a per-attempt seed (pure functions).

Option values in the page are opaque tokens derived from the seed, which never leaves the server: the
same option has another value in every attempt, and nothing in a value or in the order says which is
right.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass

from elearn.modules.quizzes.definitions import Question, Quiz


@dataclass(frozen=True)
class DrawnQuestion:
    """A scored question as it stands in one attempt."""

    question_id: str
    item: int  # 1-based place of its top-level question
    position: int  # 1-based place among the attempt's scored questions
    parent_id: str | None
    option_order: tuple[str, ...]


def pick(quiz: Quiz, rng: random.Random, count: int, require_tags: tuple[str, ...]) -> list[Question]:
    """count top-level questions, at least one carrying each required tag, in random order."""
    pool = list(quiz.questions)
    rng.shuffle(pool)
    chosen: list[Question] = []
    for tag in require_tags:
        if any(tag in q.tags for q in chosen):
            continue
        candidate = next((q for q in pool if tag in q.tags and q not in chosen), None)
        if candidate is not None and len(chosen) < count:
            chosen.append(candidate)
    chosen.extend([q for q in pool if q not in chosen][:count - len(chosen)])
    rng.shuffle(chosen)
    return chosen


def _order(question: Question, rng: random.Random) -> tuple[str, ...]:
    ids = [option.id for option in question.options]
    if question.type != "true-false":  # true comes before false, always
        rng.shuffle(ids)
    return tuple(ids)


def draw(quiz: Quiz, seed: int, count: int, require_tags: tuple[str, ...] = ()) -> list[DrawnQuestion]:
    """The attempt's scored questions (a scenario's parts in their authored order), options shuffled."""
    rng = random.Random(seed)
    drawn, position = [], 0
    for item, question in enumerate(pick(quiz, rng, count, require_tags), start=1):
        for leaf in question.leaves:
            position += 1
            drawn.append(DrawnQuestion(leaf.id, item, position,
                                       question.id if question.parts else None, _order(leaf, rng)))
    return drawn


def option_token(seed: int, question_id: str, option_id: str) -> str:
    """The opaque value of an option in one attempt."""
    digest = hmac.new(seed.to_bytes(8, "big", signed=True), f"{question_id}\0{option_id}".encode(),
                      hashlib.sha256)
    return digest.hexdigest()[:12]
