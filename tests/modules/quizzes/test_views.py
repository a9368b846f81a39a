"""Taking a quiz through the web pages: start, save, resume, submit once, result and review."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import services
from elearn.modules.quizzes.models import AttemptState, QuizAttempt
from tests.modules.quizzes.conftest import START, attempt_id_from, right_answer_form


def start(auth) -> int:
    return attempt_id_from(auth.post(START, {}))


def attempt_and_rows(attempt_id: int):
    attempt = db.session.get(QuizAttempt, attempt_id)
    return attempt, services.questions_of(attempt)


def answer_all(auth, attempt_id, quiz, wrong=()):
    attempt, rows = attempt_and_rows(attempt_id)
    form = right_answer_form(attempt, rows, quiz, wrong)
    pages = services.page_count(attempt, rows)
    for page in range(1, pages + 1):
        on_page = {row.position for row in services.rows_on_page(attempt, rows, page)}
        fields = {k: v for k, v in form.items() if int(k[1:].split("-")[0]) in on_page}
        response = auth.post(f"/attempts/{attempt_id}/{page}", {**fields, "action": "next"})
        assert response.status_code == 302


def test_a_learner_takes_the_quiz_and_passes(client, auth, make_user, quiz):
    auth.login(make_user())
    page = client.get("/quizzes/second-steps").get_data(as_text=True)
    assert "Start the quiz" in page and "80%" in page
    attempt_id = start(auth)
    first = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    assert first.count("<fieldset") >= 3 and "<legend>" in first
    answer_all(auth, attempt_id, quiz)
    finish = client.get(f"/attempts/{attempt_id}/finish").get_data(as_text=True)
    assert "You have answered 6 of 6 questions." in finish
    response = auth.post(f"/attempts/{attempt_id}/submit", {})
    assert response.headers["Location"] == f"/attempts/{attempt_id}/result"
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "100%" in result and "Passed" in result and "Correct answer:" in result
    assert "Read the remaining sections to complete the module." in result


def test_passing_the_quiz_and_reading_every_section_completes_the_module(
        client, auth, make_user, quiz, module):
    user = make_user()
    auth.login(user)
    for section in module.section_ids:
        auth.post(f"/modules/second-steps/{section}/read", {})
    assert progress.state(user.id, module).quiz_missing
    page = client.get("/modules/second-steps").get_data(as_text=True)
    assert "Read every section: 2 of 2 read" in page and "go to the quiz" in page
    assert "the quiz is not passed yet" in client.get("/modules").get_data(as_text=True)
    attempt_id = start(auth)
    answer_all(auth, attempt_id, quiz)
    auth.post(f"/attempts/{attempt_id}/submit", {})
    assert progress.state(user.id, module).done
    assert "You have completed the module" in client.get(
        f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "To complete this module" not in client.get("/modules/second-steps").get_data(as_text=True)


def test_an_attempt_resumes_after_logging_out_with_its_answers(client, auth, make_user, quiz):
    user = make_user()
    auth.login(user)
    attempt_id = start(auth)
    attempt, rows = attempt_and_rows(attempt_id)
    form = right_answer_form(attempt, rows, quiz)
    first = rows[0]
    auth.post(f"/attempts/{attempt_id}/1", {f"a{first.position}": form[f"a{first.position}"]}
              if f"a{first.position}" in form else {}, headers={"Accept": "application/json"})
    auth.logout()
    auth.login(user)
    assert start(auth) == attempt_id  # starting again resumes the open attempt
    resumed = client.get(f"/attempts/{attempt_id}")
    assert resumed.status_code == 302
    html = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    if f"a{first.position}" in form:
        assert "checked" in html


def test_autosave_answers_with_json_and_counts(client, auth, make_user, quiz):
    auth.login(make_user())
    attempt_id = start(auth)
    attempt, rows = attempt_and_rows(attempt_id)
    form = right_answer_form(attempt, rows, quiz)
    on_page = services.rows_on_page(attempt, rows, 1)
    fields = {k: v for k, v in form.items()
              if int(k[1:].split("-")[0]) in {r.position for r in on_page}}
    response = auth.post(f"/attempts/{attempt_id}/1", fields, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "answered": len(on_page), "total": len(rows)}


def test_second_submit_of_an_attempt_changes_nothing(client, auth, make_user, quiz):
    auth.login(make_user())
    attempt_id = start(auth)
    answer_all(auth, attempt_id, quiz, wrong={"pattern"})
    first = auth.post(f"/attempts/{attempt_id}/submit", {})
    attempt = db.session.get(QuizAttempt, attempt_id)
    score, submitted_at = attempt.score, attempt.submitted_at
    second = auth.post(f"/attempts/{attempt_id}/submit", {})
    assert first.headers["Location"] == second.headers["Location"]
    db.session.refresh(attempt)
    assert (attempt.score, attempt.submitted_at) == (score, submitted_at)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    back = auth.post(f"/attempts/{attempt_id}/1", {"action": "next"})  # the back button, then a save
    assert back.headers["Location"] == f"/attempts/{attempt_id}/result"
    assert client.get(f"/attempts/{attempt_id}/1").headers["Location"] == \
        f"/attempts/{attempt_id}/result"


@pytest.mark.parametrize("extra", [
    {"score": "100"},
    {"a99": "x"},
    {"a1": "not-a-token"},
])
def test_foreign_or_forged_fields_are_rejected_with_400(client, auth, make_user, extra):
    auth.login(make_user())
    attempt_id = start(auth)
    response = auth.post(f"/attempts/{attempt_id}/1", extra)
    assert response.status_code == 400
    assert db.session.get(QuizAttempt, attempt_id).state is AttemptState.IN_PROGRESS


def test_two_values_for_a_single_choice_and_another_questions_option_are_400(
        client, auth, make_user, quiz):
    auth.login(make_user())
    attempt_id = start(auth)
    attempt, rows = attempt_and_rows(attempt_id)
    on_page = services.rows_on_page(attempt, rows, 1)
    choice = next(r for r in on_page if quiz.question(r.question_id).type in ("single", "true-false"))
    other = next(r for r in rows if r.question_id != choice.question_id
                 and quiz.question(r.question_id).type != "ordering")
    from elearn.modules.quizzes.drawing import option_token
    tokens = [option_token(attempt.seed, choice.question_id, o) for o in json.loads(choice.option_order)]
    two = auth.post(f"/attempts/{attempt_id}/1", {f"a{choice.position}": tokens[:2]})
    assert two.status_code == 400
    foreign = option_token(attempt.seed, other.question_id, json.loads(other.option_order)[0])
    assert auth.post(f"/attempts/{attempt_id}/1",
                     {f"a{choice.position}": foreign}).status_code == 400


def test_nobody_else_can_open_an_attempt(client, auth, make_user):
    auth.login(make_user())
    attempt_id = start(auth)
    auth.logout()
    auth.login(make_user())
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/1",
                f"/attempts/{attempt_id}/finish", f"/attempts/{attempt_id}/result"):
        assert client.get(url).status_code == 404
    assert auth.post(f"/attempts/{attempt_id}/submit", {}).status_code == 404
    assert auth.post(f"/attempts/{attempt_id}/1", {}).status_code == 404


def test_a_page_outside_the_attempt_is_404(client, auth, make_user):
    auth.login(make_user())
    attempt_id = start(auth)
    assert client.get(f"/attempts/{attempt_id}/9").status_code == 404
    assert client.get(f"/attempts/{attempt_id}/0").status_code == 404
    assert client.get("/attempts/99999999999/1").status_code == 404
    assert client.get("/quizzes/no-such-quiz").status_code == 404


def test_the_dashboard_offers_to_continue_an_unfinished_quiz(client, auth, make_user):
    user = make_user()
    auth.login(user)
    attempt_id = start(auth)
    auth.logout()
    auth.login(user)
    page = client.get("/").get_data(as_text=True)
    assert "Continue the quiz: Second steps quiz" in page and f"/attempts/{attempt_id}" in page
    auth.post(f"/attempts/{attempt_id}/submit", {})
    assert "Continue the quiz" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("place", ["²", "9" * 5000, "-1", "1.0", "0"])
def test_a_malformed_place_in_an_ordering_question_is_400(client, auth, make_user, quiz, place):
    auth.login(make_user())
    attempt_id = start(auth)
    attempt, rows = attempt_and_rows(attempt_id)
    ordering = next(r for r in rows if quiz.question(r.question_id).type == "ordering")
    page = (ordering.item - 1) // attempt.per_page + 1
    response = auth.post(f"/attempts/{attempt_id}/{page}", {f"a{ordering.position}-1": place})
    assert response.status_code == 400


def test_an_attempt_open_across_a_major_module_change_is_withdrawn(app, client, auth, make_user):
    from tests.modules.quizzes.test_answer_leaks import _bump_module

    auth.login(make_user())
    old = start(auth)
    _bump_module(app)
    response = client.get(f"/attempts/{old}/1")
    assert response.headers["Location"] == "/quizzes/second-steps"
    assert db.session.get(QuizAttempt, old).state is AttemptState.VOID
    new = start(auth)
    assert new != old and db.session.get(QuizAttempt, new).state is AttemptState.IN_PROGRESS


def test_submitting_an_attempt_the_quiz_no_longer_fits_withdraws_it(app, client, auth, make_user, quiz):
    from dataclasses import replace
    from types import MappingProxyType

    auth.login(make_user())
    attempt_id = start(auth)
    _attempt, rows = attempt_and_rows(attempt_id)
    gone = rows[0].question_id
    bank = app.extensions[services.EXTENSION_KEY]
    edited = replace(quiz, index=MappingProxyType({k: v for k, v in quiz.index.items() if k != gone}))
    app.extensions[services.EXTENSION_KEY] = replace(bank, quizzes=MappingProxyType(
        {**bank.quizzes, quiz.slug: edited}))
    response = auth.post(f"/attempts/{attempt_id}/submit", {})
    assert response.headers["Location"] == "/quizzes/second-steps"
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.state is AttemptState.VOID and attempt.score is None


def test_a_scenarios_own_explanation_is_shown_once_a_part_is_answered(app, client, auth, make_user,
                                                                      quiz):
    from dataclasses import replace
    from types import MappingProxyType

    from elearn.modules.quizzes.definitions import Localized

    explained = replace(quiz.question("case"), explanation=Localized("Om sagen.", "About this case."))
    questions = tuple(explained if q.id == "case" else q for q in quiz.questions)
    bank = app.extensions[services.EXTENSION_KEY]
    app.extensions[services.EXTENSION_KEY] = replace(bank, quizzes=MappingProxyType({
        **bank.quizzes, quiz.slug: replace(quiz, questions=questions, index=MappingProxyType(
            {**quiz.index, "case": explained}))}))
    auth.login(make_user())
    attempt_id = start(auth)
    answer_all(auth, attempt_id, quiz)
    auth.post(f"/attempts/{attempt_id}/submit", {})
    assert "About this case." in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_a_timed_attempt_past_its_deadline_is_closed_when_opened(app, client, auth, make_user, quiz,
                                                                  monkeypatch):
    from dataclasses import replace
    from datetime import timedelta
    from types import MappingProxyType

    from elearn.clock import utcnow
    from elearn.modules.quizzes import views

    bank = app.extensions[services.EXTENSION_KEY]
    app.extensions[services.EXTENSION_KEY] = replace(bank, quizzes=MappingProxyType(
        {**bank.quizzes, quiz.slug: replace(quiz, time_limit_minutes=5)}))
    auth.login(make_user())
    attempt_id = start(auth)
    assert "the attempt closes at" in client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    later = utcnow() + timedelta(minutes=10)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    saving = auth.post(f"/attempts/{attempt_id}/1", {}, headers={"Accept": "application/json"})
    assert saving.status_code == 409
    response = client.get(f"/attempts/{attempt_id}/1")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/result"
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.state is AttemptState.SUBMITTED and attempt.submitted_at == attempt.deadline_at
    assert "The time was up" in client.get(response.headers["Location"]).get_data(as_text=True)
