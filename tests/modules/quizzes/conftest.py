"""Helpers for taking the fixture quiz (tests/fixtures/content/quizzes/second-steps.yaml) as a learner."""

from __future__ import annotations

import json
import re

import pytest

from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes import services
from elearn.modules.quizzes.drawing import option_token
from elearn.modules.quizzes.models import AttemptQuestion, QuizAttempt

START = "/quizzes/second-steps/start"


@pytest.fixture
def quiz(app):
    return services.quiz_bank().quiz("second-steps")


@pytest.fixture
def module(app):
    return catalogue().module("second-steps")


def right_answer_form(attempt: QuizAttempt, rows: list[AttemptQuestion], quiz, wrong=()) -> dict:
    """Form fields answering every question correctly (those in wrong: with a wrong option)."""
    form = {}
    for row in rows:
        question, order = quiz.question(row.question_id), json.loads(row.option_order)
        if question.type == "ordering":
            expected = [o.id for o in question.options]
            if row.question_id in wrong:
                expected = expected[::-1]
            for k, option_id in enumerate(order, start=1):
                form[f"a{row.position}-{k}"] = str(expected.index(option_id) + 1)
            continue
        picks = [o.id for o in question.options if o.correct != (row.question_id in wrong)]
        if question.type != "multiple":
            picks = picks[:1]
        form[f"a{row.position}"] = [option_token(attempt.seed, row.question_id, p) for p in picks]
    return form


def attempt_id_from(response) -> int:
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
