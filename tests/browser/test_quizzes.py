"""A learner takes a quiz end to end on a phone: autosave announced, pages, submit, result, review."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.quizzes import services
from elearn.modules.quizzes.models import QuizAttempt
from tests.browser.conftest import log_in
from tests.modules.quizzes.conftest import right_answer_form

pytestmark = pytest.mark.browser


def _answers(live_app) -> dict:
    with live_app.app_context():
        attempt = db.session.scalar(select(QuizAttempt))
        quiz = services.quiz_bank().quiz(attempt.quiz_slug)
        return right_answer_form(attempt, services.questions_of(attempt), quiz)


def _answer_page(page, answers: dict) -> None:
    for name, value in answers.items():
        if re.fullmatch(r"a\d+-\d+", name):
            field = page.locator(f"select[name='{name}']")
            if field.count():
                field.select_option(value)
            continue
        for token in value:
            option = page.locator(f"input[name='{name}'][value='{token}']")
            if option.count():
                option.check()


def test_learner_takes_a_quiz_on_a_phone(browser, live_server, live_app, people, assert_accessible):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    log_in(page, people["learner"])
    page.goto("/modules/second-steps")
    page.get_by_role("link", name="go to the quiz").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+/1$"))
    assert page.locator("fieldset legend").count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    answers = _answers(live_app)
    first_radio = page.locator("input[type=radio]").first
    first_radio.focus()
    page.keyboard.press("Space")  # the keyboard alone answers a question
    assert first_radio.is_checked()
    page.get_by_text("Answer saved.").wait_for()
    while True:
        _answer_page(page, answers)
        next_page = page.get_by_role("button", name="Next page")
        if not next_page.count():
            break
        next_page.click()
        page.wait_for_load_state()
    page.get_by_role("button", name="Review and submit").click()
    assert page.get_by_text("You have answered 6 of 6 questions.").is_visible()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(re.compile(r".*/result$"))
    assert page.get_by_text("100%", exact=True).is_visible()
    assert page.get_by_text("Passed: the pass mark is 80%.").is_visible()
    assert_accessible(page)
    result_url = page.url
    page.go_back()  # the back button after submitting leads to the same result
    page.wait_for_url(result_url)
    with live_app.app_context():
        assert len(db.session.scalars(select(QuizAttempt)).all()) == 1
    context.close()


def test_the_quiz_page_in_danish_is_accessible(page, people, assert_accessible):
    log_in(page, people["learner"])
    page.goto("/quizzes/second-steps")
    page.locator("form.language-switch button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "da"
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/attempts/\d+/1$"))
    assert_accessible(page)


def test_an_answer_given_offline_is_saved_when_the_page_is_opened_again(page, live_app, people):
    log_in(page, people["learner"])
    page.goto("/quizzes/second-steps")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+/1$"))
    page.context.set_offline(True)
    page.locator("input[type=radio]").first.check()
    page.get_by_text("Not saved: no connection.", exact=False).wait_for()
    page.context.set_offline(False)
    page.errors.clear()  # the failed request was the point of this test
    page.reload()
    page.get_by_text("Answer saved.").wait_for()
    assert page.locator("input[type=radio]").first.is_checked()
    with live_app.app_context():
        attempt = db.session.scalar(select(QuizAttempt))
        assert any(row.answer for row in services.questions_of(attempt))
