"""Attempt rules on both databases: drawing, exactly-once submission, the time limit, attempt limits,
refreshers, and a quiz edited under an open attempt."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from types import MappingProxyType

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from elearn.clock import utcnow
from elearn.errors import Conflict, Forbidden
from elearn.extensions import db
from elearn.modules.quizzes import answers, services, submission
from elearn.modules.quizzes.models import (
    AttemptChoice,
    AttemptMode,
    AttemptQuestion,
    AttemptState,
    QuizAttempt,
)
from tests.modules.quizzes.conftest import right_answer_form

GRADED = AttemptMode.GRADED


def run_together(work, count: int) -> None:
    """Run work in count threads at once and wait for them all."""
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def answer(attempt, quiz, wrong=(), now=None):
    rows = services.questions_of(attempt)
    form = MultiDict(right_answer_form(attempt, rows, quiz, wrong))
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index),
                          now or utcnow())


def test_an_attempt_draws_the_configured_questions_with_required_tags(app, make_user, quiz, module):
    for _ in range(5):
        attempt = services.start_attempt(make_user().id, quiz, module, GRADED, utcnow())
        rows = services.questions_of(attempt)
        items = {row.parent_id or row.question_id for row in rows}
        assert len(items) == quiz.draw
        assert any("law" in quiz.question(i).tags for i in items)
        assert attempt.pass_mark == 80 and attempt.quiz_version == "1.0"


def test_starting_twice_resumes_the_open_attempt(app, make_user, quiz, module):
    user = make_user()
    first = services.start_attempt(user.id, quiz, module, GRADED, utcnow())
    db.session.commit()
    assert services.start_attempt(user.id, quiz, module, GRADED, utcnow()).id == first.id


@pytest.mark.both_databases
def test_concurrent_submits_grade_the_attempt_once(app, make_user, quiz, module):
    user = make_user()
    attempt = services.start_attempt(user.id, quiz, module, GRADED, utcnow())
    answer(attempt, quiz)
    db.session.commit()
    attempt_id, results, barrier = attempt.id, [], threading.Barrier(4)

    def submit():
        with app.app_context():
            mine = db.session.get(QuizAttempt, attempt_id)
            barrier.wait()
            results.append(submission.submit(mine, quiz, module, utcnow()))
            db.session.commit()
            db.session.remove()

    run_together(submit, 4)
    assert sorted(results) == [False, False, False, True]
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).state is AttemptState.SUBMITTED
    choices = db.session.scalar(select(func.count()).select_from(AttemptChoice))
    assert choices == len({(c.question_id, c.option_id) for c in db.session.scalars(
        select(AttemptChoice))})


@pytest.mark.both_databases
def test_concurrent_starts_open_one_attempt(app, make_user, quiz, module):
    user_id = make_user().id
    ids, barrier = [], threading.Barrier(3)

    def start():
        with app.app_context():
            barrier.wait()
            ids.append(services.start_attempt(user_id, quiz, module, GRADED, utcnow()).id)
            db.session.commit()
            db.session.remove()

    run_together(start, 3)
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_the_time_limit_is_kept_by_the_server_clock(app, make_user, quiz, module):
    timed = replace(quiz, time_limit_minutes=10)
    start = utcnow()
    attempt = services.start_attempt(make_user().id, timed, module, GRADED, start)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    answer(attempt, timed, now=start + timedelta(minutes=10, seconds=20))  # within the grace
    with pytest.raises(Conflict):
        answer(attempt, timed, wrong={"pattern"}, now=start + timedelta(minutes=11))
    assert submission.submit(attempt, timed, module, start + timedelta(hours=2))
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.score == 1.0


def test_an_overdue_attempt_is_closed_with_what_was_saved(app, make_user, quiz, module, monkeypatch):
    timed = replace(quiz, time_limit_minutes=1)
    attempt = services.start_attempt(make_user().id, timed, module, GRADED,
                                     utcnow() - timedelta(minutes=5))
    outcome = submission.settle(attempt, timed, module, services.questions_of(attempt), utcnow())
    assert outcome is submission.Outcome.TIMED_OUT
    assert attempt.state is AttemptState.SUBMITTED and attempt.score == 0.0


def test_attempts_run_out_and_a_cooldown_applies(app, make_user, quiz, module):
    user = make_user()
    limited = replace(quiz, max_attempts=2, cooldown_minutes=30)
    now = utcnow()
    for n in range(2):
        attempt = services.start_attempt(user.id, limited, module, GRADED, now)
        answer(attempt, limited, wrong={"pattern", "paragraph", "signs", "steps"})
        submission.submit(attempt, limited, module, now)
        if n == 0:
            with pytest.raises(Forbidden):
                services.start_attempt(user.id, limited, module, GRADED, now + timedelta(minutes=5))
        now += timedelta(hours=1)
    with pytest.raises(Forbidden):
        services.start_attempt(user.id, limited, module, GRADED, now)
    assert services.standing(user.id, limited, module, now).left == 0


def test_refreshers_open_after_passing_and_do_not_count(app, make_user, quiz, module):
    user = make_user()
    with pytest.raises(Forbidden):
        services.start_attempt(user.id, quiz, module, AttemptMode.REFRESHER, utcnow())
    attempt = services.start_attempt(user.id, quiz, module, GRADED, utcnow())
    answer(attempt, quiz)
    submission.submit(attempt, quiz, module, utcnow())
    refresher = services.start_attempt(user.id, quiz, module, AttemptMode.REFRESHER, utcnow())
    rows = services.questions_of(refresher)
    assert len({row.item for row in rows}) == quiz.refresher and refresher.deadline_at is None
    answer(refresher, quiz, wrong={row.question_id for row in rows})
    submission.submit(refresher, quiz, module, utcnow())
    standing = services.standing(user.id, quiz, module, utcnow())
    assert standing.used == 1 and standing.passed
    last = services.last_refresher(user.id, quiz.slug)
    assert last.id == refresher.id and last.score < 1


def test_a_quiz_edited_under_an_open_attempt_voids_it(app, make_user, quiz, module):
    attempt = services.start_attempt(make_user().id, quiz, module, GRADED, utcnow())
    rows = services.questions_of(attempt)
    gone = rows[0].question_id
    edited = replace(quiz, index=MappingProxyType({k: v for k, v in quiz.index.items() if k != gone}))
    assert submission.still_fits(attempt, quiz, module, rows)
    assert not submission.still_fits(attempt, edited, module, rows)
    submission.void(attempt)
    db.session.refresh(attempt)
    assert attempt.state is AttemptState.VOID


def test_grading_uses_the_server_keys_and_records_choices(app, make_user, quiz, module):
    attempt = services.start_attempt(make_user().id, quiz, module, GRADED, utcnow())
    answer(attempt, quiz, wrong={"pattern"})
    submission.submit(attempt, quiz, module, utcnow())
    rows = {row.question_id: row for row in db.session.scalars(select(AttemptQuestion))}
    if "pattern" in rows:
        assert rows["pattern"].score == 0.0
        chosen = set(db.session.scalars(select(AttemptChoice.option_id).where(
            AttemptChoice.question_id == "pattern")))
        assert chosen == {"single"}
    assert 0 <= attempt.score <= 1


def test_the_rules_are_checked_again_once_the_write_lock_is_held(app, make_user, quiz, module):
    """What another request submitted between the first check and the insert still counts."""
    from elearn.modules.quizzes.services import _new_attempt

    user = make_user()
    limited = replace(quiz, max_attempts=1)
    attempt = services.start_attempt(user.id, limited, module, GRADED, utcnow())
    submission.submit(attempt, limited, module, utcnow())
    db.session.commit()
    with pytest.raises(Forbidden):
        _new_attempt(user.id, limited, module, GRADED, utcnow())  # as if the first check had passed
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def _elsewhere(app, work):
    """Run work(attempt_id) in another request's app context (its own session) and commit."""
    def run(attempt_id):
        with app.app_context():
            work(db.session.get(QuizAttempt, attempt_id))
            db.session.commit()
            db.session.remove()
    return run


@pytest.mark.both_databases
def test_a_save_committed_before_the_submit_is_graded(app, make_user, quiz, module):
    attempt = services.start_attempt(make_user().id, quiz, module, GRADED, utcnow())
    db.session.commit()
    held = services.questions_of(attempt)  # this request has read the rows, still unanswered
    run_in_thread = _elsewhere(app, lambda other: answer(other, quiz))
    worker = threading.Thread(target=run_in_thread, args=(attempt.id,))
    worker.start()
    worker.join()
    assert submission.submit(attempt, quiz, module, utcnow())
    assert attempt.score == 1.0 and all(row.answer for row in held)


@pytest.mark.both_databases
def test_a_save_after_the_submit_is_refused(app, make_user, quiz, module):
    attempt = services.start_attempt(make_user().id, quiz, module, GRADED, utcnow())
    db.session.commit()
    rows = services.questions_of(attempt)
    worker = threading.Thread(target=_elsewhere(
        app, lambda other: submission.submit(other, quiz, module, utcnow())), args=(attempt.id,))
    worker.start()
    worker.join()
    form = MultiDict(right_answer_form(attempt, rows, quiz))
    with pytest.raises(Conflict):
        submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index),
                                utcnow())


def test_a_changed_question_type_withdraws_an_attempt_that_answered_it(app, make_user, quiz, module):
    attempt = services.start_attempt(make_user().id, quiz, module, GRADED, utcnow())
    answer(attempt, quiz)
    rows = services.questions_of(attempt)
    single = next(r for r in rows if quiz.question(r.question_id).type == "single")
    changed = replace(quiz.question(single.question_id), type="multiple")
    edited = replace(quiz, index=MappingProxyType({**quiz.index, single.question_id: changed}))
    assert not submission.still_fits(attempt, edited, module, rows)


def test_the_review_survives_an_ordering_step_removed_since(app, client, auth, make_user, quiz,
                                                            module):
    user = make_user()
    attempt = services.start_attempt(user.id, quiz, module, GRADED, utcnow())
    answer(attempt, quiz)
    submission.submit(attempt, quiz, module, utcnow())
    db.session.commit()
    steps = quiz.question("steps")
    trimmed = replace(steps, options=steps.options[:2])
    bank = app.extensions[services.EXTENSION_KEY]
    app.extensions[services.EXTENSION_KEY] = replace(bank, quizzes=MappingProxyType({
        **bank.quizzes, quiz.slug: replace(quiz, index=MappingProxyType(
            {**quiz.index, "steps": trimmed}))}))
    auth.login(user)
    assert client.get(f"/attempts/{attempt.id}/result").status_code == 200
