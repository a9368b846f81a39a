"""The person's own record (with a certificate, a quiz attempt and workshop feedback), the privacy
page and the anonymisation page in a real browser: axe-core finds nothing serious, the record reads in
print, and the JSON download arrives as a file."""

from __future__ import annotations

import json

import pytest

from elearn.modules.auth import services as accounts
from elearn.modules.workshops.feedback import give_feedback
from tests.browser.conftest import log_in
from tests.modules.certification.conftest import attend, read_module, take_quiz

pytestmark = pytest.mark.browser


def _certified(learner_email: str, admin_email: str) -> None:
    learner, admin = (accounts.find_user_by_email(e) for e in (learner_email, admin_email))
    registration = attend(learner, learner.unit, admin)
    read_module(learner.id, "first-steps")
    read_module(learner.id, "second-steps")
    take_quiz(learner.id)
    give_feedback(registration.session, learner.id, 5, "Meget brugbart", "")


def test_the_record_and_the_privacy_page_are_accessible(page, people, seed, assert_accessible):
    seed(_certified, people["learner"], people["admin"])
    log_in(page, people["learner"])
    page.goto("/account")
    page.get_by_role("link", name="Your training record", exact=False).click()
    page.wait_for_url("**/account/record")
    assert page.get_by_role("heading", name="Your training record").is_visible()
    assert page.get_by_text("Meget brugbart").is_visible()
    assert page.get_by_text("Your answer:").first.is_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    assert page.get_by_role("heading", name="Certificates").is_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON").click()
    document = json.loads(download.value.path().read_text())
    assert document["account"]["email"] == people["learner"]

    page.get_by_role("link", name="Privacy", exact=True).click()
    page.wait_for_url("**/privacy")
    assert page.get_by_text("730 days", exact=False).first.is_visible()
    assert_accessible(page)


def test_the_anonymisation_page_is_accessible(page, people, seed, assert_accessible):
    learner_id = seed(lambda: accounts.find_user_by_email(people["learner"]).id)
    log_in(page, people["admin"])
    page.goto(f"/admin/users/{learner_id}")
    page.get_by_role("link", name="Anonymise this person", exact=False).click()
    page.get_by_label("The person's e-mail address").fill("wrong@politi.example")
    page.get_by_role("button", name="Anonymise for good").click()
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page)
