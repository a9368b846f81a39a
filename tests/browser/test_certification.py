"""From the last quiz to the certificate: the learner passes the final quiz, sees the certificate at
once, downloads the PDF whose fingerprint the page shows, and appears in the key-officer directory;
the path page, the certificate page, the verification page and the directory pass axe-core."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest

from elearn.modules.auth import services as accounts
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.units.services import find_unit
from elearn.modules.workshops import services as workshops
from tests.browser.conftest import log_in
from tests.browser.test_quizzes import _answer_page, _answers
from tests.conftest import create_session

pytestmark = pytest.mark.browser


def _all_but_the_quiz(learner_email: str, admin_email: str) -> None:
    """The learner has attended the workshop and read both modules: only the quiz is missing."""
    learner, admin = (accounts.find_user_by_email(e) for e in (learner_email, admin_email))
    session = create_session(find_unit("PAT-HOR"), starts_in=-timedelta(days=3), facilitator=admin)
    registration = workshops.register(session, learner, session.starts_at - timedelta(days=1))
    workshops.mark_attendance(registration, True, admin.id, session.starts_at)
    for slug in ("first-steps", "second-steps"):
        module = catalogue().module(slug)
        for section_id in module.section_ids:
            progress.mark_read(learner.id, module, section_id)


def test_the_last_quiz_leads_to_the_certificate_and_the_directory(page, live_app, people, seed,
                                                                    assert_accessible):
    seed(_all_but_the_quiz, people["learner"], people["admin"])
    log_in(page, people["learner"])
    page.goto("/modules")
    page.get_by_role("link", name="Key officer", exact=True).click()
    assert page.get_by_text("First steps: completed").is_visible()
    assert page.get_by_text("Case workshop: attended on", exact=False).is_visible()
    assert page.get_by_text("Second steps: read every section and pass the quiz").is_visible()
    assert_accessible(page)

    page.goto("/quizzes/second-steps")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+/1$"))
    answers = _answers(live_app)
    while True:
        _answer_page(page, answers)
        next_page = page.get_by_role("button", name="Next page")
        if not next_page.count():
            break
        next_page.click()
        page.wait_for_load_state()
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(re.compile(r".*/result$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    assert page.get_by_role("heading", name="Your certification").is_visible()
    page.get_by_role("link", name=re.compile(r"certificate EL-")).click()
    page.wait_for_url(re.compile(r".*/certificates/EL-[0-9A-Z-]+$"))
    assert page.get_by_role("heading", name="Certificate", exact=True).is_visible()
    assert page.get_by_text("Mette Sørensen").is_visible()
    assert_accessible(page)
    fingerprint = page.locator(".fingerprint").first.inner_text().strip()
    printed = page.pdf(format="A4")
    assert printed.count(b"/Type /Page") - printed.count(b"/Type /Pages") == 1  # one A4 page

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == fingerprint

    number = page.url.rsplit("/", 1)[1]
    page.goto(f"/verify/{number}")
    assert page.get_by_text("This certificate is valid.").is_visible()
    assert page.get_by_text(fingerprint).is_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Key officers").click()
    assert page.get_by_role("heading", name="Patrulje Horsens").is_visible()
    assert page.get_by_text("Mette Sørensen").is_visible()
    assert_accessible(page)
    page.get_by_label("Search by name or unit").fill("nobody by that name")
    page.get_by_label("Search by name or unit").press("Enter")
    assert page.get_by_text("No key officer matches your search.").is_visible()


def test_the_certification_pages_in_danish_on_a_phone_are_accessible(browser, live_server, seed,
                                                                      people, assert_accessible):
    seed(_all_but_the_quiz, people["learner"], people["admin"])
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, locale="da-DK")
    page = context.new_page()
    log_in(page, people["admin"])
    for url in ("/paths/key-officer", "/key-officers", "/certification/manage"):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "da"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page)
    context.close()


def test_an_unknown_number_gets_a_clear_page(page):
    response = page.goto("/verify/EL-ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert response.status == 404
    assert page.get_by_text("There is no certificate with this number.").is_visible()
