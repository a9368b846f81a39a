"""Item analysis: figures per question from a few set-based queries, scoped to the coordinator's units."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.quizzes import analysis, services, submission
from elearn.modules.quizzes.models import AttemptMode
from elearn.modules.quizzes.pages import true_false_labels
from tests.modules.quizzes.test_services import answer


def take(user, quiz, module, wrong=()):
    attempt = services.start_attempt(user.id, quiz, module, AttemptMode.GRADED, utcnow())
    answer(attempt, quiz, wrong)
    submission.submit(attempt, quiz, module, utcnow())
    db.session.commit()


@pytest.mark.both_databases
def test_figures_per_question_from_three_queries(app, make_unit, make_user, quiz, module):
    unit = make_unit()
    everything = {q.id for q in quiz.index.values()}
    for n in range(10):
        take(make_user(unit=unit), quiz, module, wrong=everything if n < 4 else ())
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        total, stats = analysis.item_analysis(quiz, None, "en", true_false_labels())
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 3 and total == 10
    assert stats == sorted(stats, key=lambda s: (s.percent_correct, s.question_id))
    for stat in stats:
        assert stat.percent_correct == 60 and stat.answered == stat.drawn == 10
        assert stat.discrimination == 1.0  # the top 27 % got it right, the bottom 27 % wrong
    pattern = next((s for s in stats if s.question_id == "pattern"), None)
    if pattern:
        chosen = {str(o.text): o.chosen for o in pattern.options}
        assert chosen == {"A pattern of unwanted contact": 6, "One single message": 4,
                          "Bad weather": 0}


def test_a_coordinator_sees_only_attempts_in_their_units(client, auth, make_unit, make_user, quiz,
                                                         module):
    mine, other = make_unit(), make_unit()
    take(make_user(unit=mine), quiz, module)
    take(make_user(unit=other), quiz, module)
    take(make_user(unit=other), quiz, module)
    auth.login(make_user(Role.COORDINATOR, unit=mine))
    page = client.get("/quizzes/second-steps/analysis").get_data(as_text=True)
    assert "1 graded attempt at this version of the quiz by people in your units." in page
    index = client.get("/quizzes/analysis").get_data(as_text=True)
    assert "Second steps quiz" in index
    auth.logout()
    auth.login(make_user(Role.ADMIN))
    page = client.get("/quizzes/second-steps/analysis").get_data(as_text=True)
    assert "3 graded attempts at this version" in page


def test_few_attempts_show_no_discrimination_index(app, make_user, quiz, module):
    take(make_user(), quiz, module)
    _total, stats = analysis.item_analysis(quiz, None, "en", true_false_labels())
    assert stats and all(s.discrimination is None for s in stats)
