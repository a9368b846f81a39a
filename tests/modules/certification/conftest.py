"""Helpers that earn the fixture course's Key officer certificate (tests/fixtures/content/paths.yaml:
modules first-steps and second-steps, the second-steps quiz, the case-workshop attended)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import answers, submission
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.models import AttemptMode
from elearn.modules.workshops import services as workshops
from tests.conftest import create_session
from tests.modules.quizzes.conftest import right_answer_form

PATH = "key-officer"


def read_module(user_id: int, slug: str) -> None:
    module = catalogue().module(slug)
    for section_id in module.section_ids:
        progress.mark_read(user_id, module, section_id)


def take_quiz(user_id: int, mode=AttemptMode.GRADED, wrong=(), now=None):
    """Take the second-steps quiz (graded or a refresher) and submit it; returns the attempt."""
    quiz, module = quizzes.quiz_bank().quiz("second-steps"), catalogue().module("second-steps")
    now = now or utcnow()
    attempt = quizzes.start_attempt(user_id, quiz, module, mode, now)
    rows = quizzes.questions_of(attempt)
    form = MultiDict(right_answer_form(attempt, rows, quiz, wrong))
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index), now)
    submission.submit(attempt, quiz, module, now)
    return attempt


def attend(user, unit, facilitator, days_ago: int = 3):
    session = create_session(unit, starts_in=timedelta(days=-days_ago))
    registration = workshops.register(session, user, session.starts_at - timedelta(days=1))
    workshops.mark_attendance(registration, True, facilitator.id, session.starts_at)
    return registration


def register_for_workshop(user, unit, days_ahead: int = 10):
    session = create_session(unit, starts_in=timedelta(days=days_ahead))
    workshops.register(session, user, utcnow())
    return session


def certify(user, unit, facilitator) -> None:
    """Everything the Key officer path asks, committed (the last step issues the certificate)."""
    attend(user, unit, facilitator)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    take_quiz(user.id)
    db.session.commit()


@pytest.fixture
def path(app):
    return next(p for p in catalogue().paths if p.slug == PATH)


@pytest.fixture
def unit(make_unit):
    return make_unit("Efterforskning Vejle")


@pytest.fixture
def coordinator(make_user, unit):
    return make_user(Role.LEARNER, Role.COORDINATOR, unit=unit, name="Lene Dahl")
