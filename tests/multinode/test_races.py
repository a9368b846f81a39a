"""Requests racing through both instances for the same rows: the last workshop seats and the same
quiz attempt's submission. The database's locks decide, whichever instance a request reached."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes import answers, submission
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.models import AttemptMode
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from tests.conftest import PASSWORD, create_session
from tests.modules.quizzes.conftest import right_answer_form

pytestmark = pytest.mark.multinode

SEATS, PEOPLE = 3, 10


def _race(calls) -> list:
    """Run the calls at the same moment (a barrier), each in its own thread; their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_racing_for_the_last_seats_through_both_instances_never_overfills(cluster, seeded, browsers):
    unit = create_unit("Patrulje Skanderborg", "PS-MN", UnitKind.TEAM, None)
    session = create_session(unit, capacity=SEATS, starts_in=timedelta(days=9))
    people = [accounts.create_user(f"Racer {n}", f"racer.{n}@politi.example", {Role.LEARNER},
                                   unit_id=unit.id, password=PASSWORD) for n in range(PEOPLE)]
    db.session.commit()
    page = f"/workshops/sessions/{session.id}"
    racers = []
    for number, person in enumerate(people):
        browser = browsers(cluster.instances[number % 2])
        assert browser.login(person.email).status_code == 302
        racers.append((browser, browser.token(page)))

    responses = _race([lambda b=browser, t=token: b.post(page + "/register", {}, token=t)
                       for browser, token in racers])

    assert [r.status_code for r in responses] == [302] * PEOPLE
    states = {state: cluster.count("SELECT count(*) FROM registration WHERE session_id = :s AND state = :st",
                                   s=session.id, st=state) for state in ("registered", "waitlisted")}
    assert states == {"registered": SEATS, "waitlisted": PEOPLE - SEATS}
    said = [browser.get(page).text for browser, _token in racers]
    assert sum("You are registered." in text for text in said) == SEATS
    assert sum("you are on the waiting list" in text for text in said) == PEOPLE - SEATS


def test_one_attempt_submitted_through_both_instances_at_once_counts_once(cluster, seeded, browsers):
    person = accounts.create_user("Quiz Racer", "quiz.racer@politi.example", {Role.LEARNER},
                                  password=PASSWORD)
    db.session.commit()
    quiz, module = quizzes.quiz_bank().quiz("second-steps"), catalogue().module("second-steps")
    attempt = quizzes.start_attempt(person.id, quiz, module, AttemptMode.GRADED, utcnow())
    rows = quizzes.questions_of(attempt)
    form = MultiDict(right_answer_form(attempt, rows, quiz, ()))
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index), utcnow())
    db.session.commit()
    on_a = browsers(cluster.a)
    assert on_a.login(person.email).status_code == 302
    token = on_a.token(f"/attempts/{attempt.id}/finish")  # the cookie now holds the CSRF secret too
    on_b = on_a.on(cluster.b)
    submit = f"/attempts/{attempt.id}/submit"

    responses = _race([lambda: on_a.post(submit, {}, token=token), lambda: on_b.post(submit, {}, token=token)])

    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["location"] for r in responses} == {f"/attempts/{attempt.id}/result"}
    assert cluster.count("SELECT count(*) FROM quiz_attempt WHERE user_id = :u", u=person.id) == 1
    assert cluster.count("SELECT count(*) FROM quiz_attempt WHERE id = :a AND state = 'submitted' "
                         "AND score = 1 AND passed", a=attempt.id) == 1
    # graded once: each chosen option recorded once
    assert cluster.count("SELECT count(*) FROM attempt_choice WHERE attempt_id = :a", a=attempt.id) == \
        cluster.count("SELECT count(*) FROM (SELECT DISTINCT question_id, option_id FROM attempt_choice "
                      "WHERE attempt_id = :a) AS once", a=attempt.id) > 0
    for browser in (on_a, on_b):
        assert browser.get(f"/attempts/{attempt.id}/result").status_code == 200
