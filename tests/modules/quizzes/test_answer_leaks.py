"""No answer reaches the browser before submission, and the review follows the quiz's policy."""

from __future__ import annotations

import re
from dataclasses import replace
from types import MappingProxyType

from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.quizzes import services
from elearn.modules.quizzes.definitions import Option, ReviewPolicy
from elearn.modules.quizzes.models import QuizAttempt
from tests.modules.quizzes.conftest import START, attempt_id_from, right_answer_form

CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def _with_other_keys(quiz):
    """The same quiz with a different correct option in every choice question."""
    def rekey(question):
        if question.type in ("single", "true-false"):
            correct = next(i for i, o in enumerate(question.options) if o.correct)
            target = (correct + 1) % len(question.options)
            options = tuple(replace(o, correct=i == target) for i, o in enumerate(question.options))
        elif question.type == "multiple":
            options = tuple(replace(o, correct=not o.correct) for o in question.options)
        elif question.type == "ordering":
            options = question.options[::-1]
        else:
            return replace(question, parts=tuple(rekey(p) for p in question.parts))
        return replace(question, options=options)

    questions = tuple(rekey(q) for q in quiz.questions)
    index = {leaf.id: leaf for q in questions for leaf in (q, *q.parts)}
    return replace(quiz, questions=questions, index=MappingProxyType(index))


def _page(client, url):
    return CSRF.sub("", client.get(url).get_data(as_text=True))


def test_a_question_page_is_the_same_whichever_option_is_correct(app, client, auth, make_user, quiz):
    auth.login(make_user())
    attempt_id = attempt_id_from(auth.post(START, {}))
    attempt = db.session.get(QuizAttempt, attempt_id)
    pages = services.page_count(attempt, services.questions_of(attempt))
    before = [_page(client, f"/attempts/{attempt_id}/{p}") for p in range(1, pages + 1)]
    bank = app.extensions[services.EXTENSION_KEY]
    app.extensions[services.EXTENSION_KEY] = replace(bank, quizzes=MappingProxyType(
        {**bank.quizzes, quiz.slug: _with_other_keys(quiz)}))
    after = [_page(client, f"/attempts/{attempt_id}/{p}") for p in range(1, pages + 1)]
    assert before == after


def test_option_values_are_opaque_and_differ_between_attempts(client, auth, make_user, quiz):
    option_ids = {o.id for q in quiz.index.values() for o in q.options}
    values = []
    for _ in range(2):
        auth.login(make_user())
        attempt_id = attempt_id_from(auth.post(START, {}))
        html = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
        found = set(re.findall(r'<input type="(?:radio|checkbox)"[^>]*value="([^"]+)"', html))
        assert found and not found & option_ids
        assert "correct" not in html.lower().replace("correct horse", "")
        assert "data-correct" not in html and "<!--" not in html
        values.append(found)
        auth.logout()
    assert not values[0] & values[1]


def _submit(client, auth, quiz, user, wrong=(), blank=False):
    auth.login(user)
    attempt_id = attempt_id_from(auth.post(START, {}))
    attempt = db.session.get(QuizAttempt, attempt_id)
    rows = services.questions_of(attempt)
    if not blank:
        form = right_answer_form(attempt, rows, quiz, wrong)
        for page in range(1, services.page_count(attempt, rows) + 1):
            on = {r.position for r in services.rows_on_page(attempt, rows, page)}
            auth.post(f"/attempts/{attempt_id}/{page}",
                      {k: v for k, v in form.items() if int(k[1:].split("-")[0]) in on})
    auth.post(f"/attempts/{attempt_id}/submit", {})
    return client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_review_hides_correct_options_until_the_learner_has_passed(client, auth, make_user, quiz):
    user = make_user()
    failed = _submit(client, auth, quiz, user, wrong={q.id for q in quiz.index.values()})
    assert "Not passed" in failed and "Correct answer:" not in failed
    assert "Not correct" in failed and "The correct options are not shown" in failed
    passed = _submit(client, auth, quiz, make_user())
    assert "Correct answer:" in passed


def test_an_empty_attempt_harvests_nothing(app, client, auth, make_user, quiz):
    bank = app.extensions[services.EXTENSION_KEY]
    app.extensions[services.EXTENSION_KEY] = replace(bank, quizzes=MappingProxyType(
        {**bank.quizzes, quiz.slug: replace(quiz, review=ReviewPolicy.ALWAYS)}))
    html = _submit(client, auth, quiz, make_user(), blank=True)
    assert "Not answered" in html and "Correct answer:" not in html
    assert "Stalking is a pattern." not in html  # the explanation of an unanswered question
    assert "A pattern of unwanted contact" not in html


def test_true_false_options_are_labelled_by_the_page_not_by_the_key(quiz):
    question = quiz.question("paragraph")
    assert [o.id for o in question.options] == ["true", "false"]
    assert all(isinstance(o, Option) and o.text is None for o in question.options)


def _bump_module(app, slug="second-steps"):
    """The module's next major version, as if its content had been rewritten."""
    from elearn.modules.courses.catalogue import Version
    from elearn.modules.courses.services import EXTENSION_KEY

    catalogue = app.extensions[EXTENSION_KEY]
    module = catalogue.modules[slug]
    bumped = replace(module, version=Version(module.version.major + 1, 0))
    app.extensions[EXTENSION_KEY] = replace(catalogue, modules=MappingProxyType(
        {**catalogue.modules, slug: bumped}))


def test_a_pass_at_an_older_module_version_reveals_no_keys(app, client, auth, make_user, quiz):
    user = make_user()
    assert "Correct answer:" in _submit(client, auth, quiz, user)
    old = db.session.scalar(select(QuizAttempt.id))
    auth.logout()
    _bump_module(app)
    auth.login(user)
    assert "Correct answer:" not in client.get(f"/attempts/{old}/result").get_data(as_text=True)
    auth.logout()
    failed = _submit(client, auth, quiz, user, wrong={q.id for q in quiz.index.values()})
    assert "Not passed" in failed and "Correct answer:" not in failed
    response = auth.post(START, {"mode": "refresher"})
    assert response.status_code == 403  # refreshers wait for a pass at the current version


def test_a_refresher_review_never_shows_the_keys(client, auth, make_user, quiz):
    user = make_user()
    _submit(client, auth, quiz, user)
    refresher_id = attempt_id_from(auth.post(START, {"mode": "refresher"}))
    attempt = db.session.get(QuizAttempt, refresher_id)
    rows = services.questions_of(attempt)
    auth.post(f"/attempts/{refresher_id}/1", right_answer_form(attempt, rows, quiz))
    auth.post(f"/attempts/{refresher_id}/submit", {})
    html = client.get(f"/attempts/{refresher_id}/result").get_data(as_text=True)
    assert "Refresher result" in html and "Correct answer:" not in html
