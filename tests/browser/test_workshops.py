"""A learner registers and cancels, a colleague on the waiting list is promoted; the coordinator's
pages and the sign-in list pass axe-core in English and Danish and fit a phone."""

from datetime import timedelta

import pytest

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.units.services import find_unit
from elearn.modules.workshops.feedback import send_need
from elearn.modules.workshops.models import Feedback, Registration
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, create_session

pytestmark = pytest.mark.browser


def _workshop(admin_email: str) -> dict:
    unit = find_unit("PAT-HOR")
    colleague = accounts.create_user("Jonas Holm", "jonas@politi.example", [Role.LEARNER],
                                     unit_id=unit.id, password=PASSWORD)
    admin = accounts.find_user_by_email(admin_email)
    session = create_session(unit, capacity=1, starts_in=timedelta(days=5), facilitator=admin)
    past = create_session(unit, starts_in=-timedelta(days=5), facilitator=admin)
    db.session.add(Registration(session_id=past.id, user_id=colleague.id, state="attended",
                                queued_at=past.starts_at, updated_at=past.starts_at))
    db.session.add(Feedback(session_id=past.id, user_id=colleague.id, rating=4, useful="Role play",
                            missing="More on consent"))
    send_need(colleague, "Digital stalking", "Apps that track a phone", "case-workshop", utcnow())
    return {"session_id": session.id, "colleague": colleague.email}


@pytest.fixture
def workshop(seed, people) -> dict:
    return seed(_workshop, people["admin"])


def test_register_cancel_and_the_waiting_colleague_is_promoted(browser, live_server, page, people,
                                                               workshop, assert_accessible):
    log_in(page, people["learner"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workshops").click()
    assert_accessible(page)
    page.get_by_role("link", name="Case workshop").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Register").click()
    assert page.get_by_text("You are registered.").is_visible()
    assert page.get_by_role("link", name="Add to calendar (.ics)").is_visible()
    assert_accessible(page)

    other = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    log_in(other, workshop["colleague"])
    other.goto(f"/workshops/sessions/{workshop['session_id']}")
    other.get_by_role("button", name="Join the waiting list").click()
    assert other.get_by_text("number 1 on the waiting list").is_visible()

    page.get_by_text("Cancel my registration").first.click()  # opens the disclosure
    page.get_by_label("Reason (optional)").fill("On duty that day")
    page.get_by_role("button", name="Cancel my registration").click()
    assert page.get_by_text("Your registration is cancelled.").is_visible()
    assert_accessible(page)

    other.reload()
    assert other.locator(".facts").get_by_text("registered", exact=True).is_visible()
    other.context.close()


COORDINATOR_PAGES = ["/workshops/manage", "/workshops/manage?past=1",
                     "/workshops/manage/sessions/{id}", "/workshops/manage/sessions/{id}/edit",
                     "/workshops/manage/sessions/{id}/invite", "/workshops/sessions/{id}/sign-in",
                     "/workshops/sessions/{id}/check-in-code", "/workshops/manage/sessions/new",
                     "/workshops/manage/needs", "/workshops/manage/feedback", "/workshops/needs/new",
                     "/workshops", "/workshops/themes/case-workshop", "/workshops/sessions/{id}"]
#: The pages a coordinator and a learner use most, scanned in Danish as well.
KEY_PAGES = ["/workshops", "/workshops/sessions/{id}", "/workshops/manage/sessions/{id}",
             "/workshops/sessions/{id}/sign-in", "/workshops/manage/needs"]


@pytest.mark.parametrize(("locale", "urls"), [("en-GB", COORDINATOR_PAGES), ("da-DK", KEY_PAGES)])
def test_workshop_pages_pass_axe(browser, live_server, people, workshop, assert_accessible, locale,
                                 urls):
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    errors = []  # console errors, CSP violations included (the inline QR code SVG must cause none)
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    log_in(page, people["admin"])
    if locale == "da-DK":
        assert page.locator("html").get_attribute("lang") == "da"
    for url in urls:
        page.goto(url.format(id=workshop["session_id"]))
        assert_accessible(page)
    context.close()
    assert errors == []


def test_session_form_errors_are_accessible(page, people, workshop, assert_accessible):
    log_in(page, people["admin"])
    page.goto("/workshops/manage/sessions/new")
    page.get_by_role("button", name="Schedule").click()
    summary = page.get_by_role("alert")
    assert summary.is_visible()
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "workshop_slug"


def test_workshop_pages_fit_a_phone(browser, live_server, people, workshop):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, people["admin"])
    for url in ["/workshops", "/workshops/sessions/{id}", "/workshops/sessions/{id}/sign-in",
                "/workshops/manage", "/workshops/manage/sessions/{id}"]:
        page.goto(url.format(id=workshop["session_id"]))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width}px wide on a 360px phone"
    context.close()
