"""Answers between the form, the database and the checkers (pure functions).

Field names and values are per attempt: `a<position>` carries option tokens (single, true/false,
multiple); an ordering question has `a<position>-<k>` for the k-th step as shown, valued 1..n. Anything
else in a form (a score, another question's option, two values for one choice) is a BadAnswer, which
the view answers with 400.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from elearn.modules.quizzes.definitions import Question
from elearn.modules.quizzes.drawing import option_token

FORM_KEYS = frozenset({"csrf_token", "action"})
PLACE = re.compile(r"^[1-9][0-9]{0,2}$")


class BadAnswer(ValueError):
    """The form does not fit the attempt's questions: tampered with, or sent to the wrong page."""


def field_name(position: int, step: int | None = None) -> str:
    return f"a{position}" if step is None else f"a{position}-{step}"


def _tokens(seed: int, question_id: str, order: Iterable[str]) -> dict[str, str]:
    return {option_token(seed, question_id, option_id): option_id for option_id in order}


def parse(form, seed: int, rows: list, questions: Mapping[str, Question]) -> dict[str, str | None]:
    """The stored form (JSON text or None) of each row's answer in form; raises BadAnswer.

    rows are the attempt's AttemptQuestion rows on the page; a question absent from the form is
    unanswered (a browser sends nothing for an empty radio group or unticked boxes).
    """
    expected, answers = set(FORM_KEYS), {}
    for row in rows:
        question, order = questions[row.question_id], json.loads(row.option_order)
        if question.type == "ordering":
            names = [field_name(row.position, k) for k in range(1, len(order) + 1)]
            expected.update(names)
            answers[row.question_id] = _ordering(form, names, order)
        else:
            name = field_name(row.position)
            expected.add(name)
            answers[row.question_id] = _choice(form.getlist(name), question.type,
                                               _tokens(seed, row.question_id, order))
    if set(form.keys()) - expected:
        raise BadAnswer("fields that belong to no question on this page")
    return answers


def _choice(values: list[str], kind: str, tokens: dict[str, str]) -> str | None:
    if any(value not in tokens for value in values):
        raise BadAnswer("an option that is not this question's")
    if kind == "multiple":
        return json.dumps(sorted({tokens[value] for value in values})) if values else None
    if len(values) > 1:
        raise BadAnswer("two values for a single-choice question")
    return json.dumps(tokens[values[0]]) if values else None


def _ordering(form, names: list[str], order: list[str]) -> str | None:
    places = {}
    for name, option_id in zip(names, order, strict=True):
        values = form.getlist(name)
        if len(values) > 1:
            raise BadAnswer("two places for one step")
        if not values or values[0] == "":
            continue
        if not PLACE.fullmatch(values[0]) or not 1 <= int(values[0]) <= len(order):
            raise BadAnswer("a place outside the steps")
        places[option_id] = int(values[0])
    return json.dumps(places, sort_keys=True) if places else None


def decode(question: Question, stored: str | None):
    """The checker's answer (see grading.py) from the stored JSON; None when unanswered."""
    if stored is None:
        return None
    value = json.loads(stored)
    if question.type == "multiple":
        return frozenset(value) if isinstance(value, list) else None
    if question.type == "ordering":
        if not isinstance(value, dict) or sorted(value.values()) != list(
                range(1, len(question.options) + 1)):
            return None  # incomplete, or two steps in one place: not an order yet
        return tuple(sorted(value, key=value.get))
    return value if isinstance(value, str) else None


def shape_fits(question: Question, stored: str | None) -> bool:
    """Whether a saved answer has the form the question's type takes (it may not, after an edit)."""
    if stored is None:
        return True
    value = json.loads(stored)
    kinds = {"multiple": list, "ordering": dict}
    return isinstance(value, kinds.get(question.type, str))


def ordering_problem(question: Question, stored: str | None) -> bool:
    """An ordering answer that is started but not a complete order (missing or repeated places)."""
    return question.type == "ordering" and stored is not None and decode(question, stored) is None


def chosen_options(question: Question, stored: str | None) -> frozenset[str]:
    """The option ids the learner chose (for choice questions), for the page, review and analysis."""
    if stored is None or question.type == "ordering":
        return frozenset()
    value = json.loads(stored)
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset({value}) if isinstance(value, str) else frozenset()


def places(stored: str | None) -> dict[str, int]:
    """An ordering answer's place per option id, as saved (possibly incomplete)."""
    value = json.loads(stored) if stored else {}
    return value if isinstance(value, dict) else {}
