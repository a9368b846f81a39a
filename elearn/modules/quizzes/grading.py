"""Question types: a registry of small pure checkers. No Flask, no database.

Each type has `validate(definition) -> list[str]` (the raw YAML mapping; messages without a line) and
`check(question, answer) -> float` in 0..1. Answers are plain values:

- single choice, true/false: the chosen option id, or None
- multiple response: a frozenset of option ids. Partial credit: (correct chosen − wrong chosen) divided
  by the number of correct options, never below 0; so ticking everything scores 0.
- ordering: a tuple of option ids in the learner's order. All or nothing: a procedure done in the wrong
  order is not partly right.
- scenario: a mapping of part id to that part's answer; the score is the mean of its parts'.
"""

from __future__ import annotations

from collections.abc import Mapping

from elearn.modules.quizzes.definitions import Question


def _options(definition: Mapping) -> list:
    options = definition.get("options")
    return options if isinstance(options, list) else []


def _option_problems(definition: Mapping, key: str = "options", minimum: int = 2) -> list[str]:
    options = definition.get(key)
    if not isinstance(options, list) or len(options) < minimum:
        return [f"'{key}' needs at least {minimum} entries"]
    problems, seen = [], set()
    for option in options:
        if not isinstance(option, Mapping) or not isinstance(option.get("id"), str | int):
            problems.append(f"each entry of '{key}' needs an 'id'")
            continue
        if str(option["id"]) in seen:
            problems.append(f"option id '{option['id']}' is used twice")
        seen.add(str(option["id"]))
    return problems


def _correct_count(definition: Mapping) -> int:
    return sum(1 for option in _options(definition)
               if isinstance(option, Mapping) and option.get("correct") is True)


class SingleChoice:
    name = "single"

    def validate(self, definition: Mapping) -> list[str]:
        problems = _option_problems(definition)
        if not problems and _correct_count(definition) != 1:
            problems.append("a single-choice question needs exactly one correct option "
                            f"(found {_correct_count(definition)})")
        return problems

    def check(self, question: Question, answer) -> float:
        option = question.option(answer) if isinstance(answer, str) else None
        return 1.0 if option is not None and option.correct else 0.0


class TrueFalse(SingleChoice):
    name = "true-false"

    def validate(self, definition: Mapping) -> list[str]:
        if not isinstance(definition.get("answer"), bool):
            return ["a true-false question needs 'answer: true' or 'answer: false'"]
        return []


class MultipleResponse:
    name = "multiple"

    def validate(self, definition: Mapping) -> list[str]:
        problems = _option_problems(definition)
        if not problems and _correct_count(definition) < 1:
            problems.append("a multiple-response question needs at least one correct option")
        return problems

    def check(self, question: Question, answer) -> float:
        if not isinstance(answer, frozenset | set):
            return 0.0
        correct = {o.id for o in question.options if o.correct}
        chosen = {o.id for o in question.options if o.id in answer}
        right, wrong = len(chosen & correct), len(chosen - correct)
        return max(0.0, (right - wrong) / len(correct)) if correct else 0.0


class Ordering:
    name = "ordering"

    def validate(self, definition: Mapping) -> list[str]:
        return _option_problems(definition, "steps")

    def check(self, question: Question, answer) -> float:
        expected = tuple(option.id for option in question.options)
        return 1.0 if isinstance(answer, tuple) and answer == expected else 0.0


class Scenario:
    name = "scenario"

    def validate(self, definition: Mapping) -> list[str]:
        parts = definition.get("questions")
        problems = []
        if not isinstance(definition.get("vignette"), Mapping):
            problems.append("a scenario needs a 'vignette' (the case, in da and en)")
        if not isinstance(parts, list) or not parts:
            problems.append("a scenario needs 'questions'")
        elif any(isinstance(p, Mapping) and p.get("type") == self.name for p in parts):
            problems.append("a scenario cannot contain another scenario")
        return problems

    def check(self, question: Question, answer) -> float:
        answers = answer if isinstance(answer, Mapping) else {}
        scores = [check(part, answers.get(part.id)) for part in question.parts]
        return sum(scores) / len(scores) if scores else 0.0


QUESTION_TYPES = {kind.name: kind for kind in
                  (SingleChoice(), TrueFalse(), MultipleResponse(), Ordering(), Scenario())}


def check(question: Question, answer) -> float:
    """The question's score for the answer, 0..1; a missing or malformed answer scores 0."""
    score = QUESTION_TYPES[question.type].check(question, answer)
    return min(1.0, max(0.0, score))


def total(scores: list[float]) -> float:
    """An attempt's score, 0..1: every answered unit (a question, or a scenario's part) weighs one."""
    return sum(scores) / len(scores) if scores else 0.0


def passed(score: float, pass_mark: int) -> bool:
    """Rounded like the score shown (to a whole percent), so '80 %' never fails an 80 % mark."""
    return round(score * 100) >= pass_mark
