"""A learner reads a module on a phone and a desktop, resumes it, searches, and opens a card offline."""

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def learner(people):
    return people["learner"]


def test_learner_reads_a_module_to_completion_and_resumes(page, learner, assert_accessible):
    log_in(page, learner)
    page.get_by_role("link", name="Modules", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="First steps").first.click()  # two paths list it
    assert_accessible(page)
    page.get_by_role("link", name="Start reading").click()
    assert page.get_by_text("Section 1 of 2").is_visible()
    assert page.get_by_role("img", name="A blue test diagram").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/modules/first-steps/why")
    page.goto("/")
    page.get_by_role("link", name="First steps").click()
    page.wait_for_url("**/modules/first-steps/why")
    page.get_by_role("button", name="Mark as read and finish").click()
    page.wait_for_url("**/modules/first-steps")
    assert page.get_by_text("You have completed the module.").is_visible()
    assert page.get_by_text("100% done").is_visible()


def test_module_reads_on_a_phone_without_sideways_scrolling(browser, live_server, learner):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, learner)
    for url in ["/modules", "/modules/first-steps", "/modules/first-steps/what",
                "/reference/quick-card", "/search?q=stalking"]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width}px wide"
    context.close()


def test_search_box_on_every_page_finds_sections(page, learner, assert_accessible):
    log_in(page, learner)
    page.get_by_role("searchbox", name="Search the course").fill("pattern")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=pattern")
    assert page.locator("mark").first.inner_text().lower() == "pattern"
    assert_accessible(page)
    page.get_by_role("link", name="What it is").first.click()
    page.wait_for_url("**/modules/first-steps/what")


def test_reference_card_is_accessible_and_readable_offline(page, learner, assert_accessible):
    log_in(page, learner)
    page.goto("/reference/quick-card")
    assert_accessible(page)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()  # now controlled by the service worker, which keeps a copy
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.goto("/reference/quick-card")
    assert page.get_by_role("heading", name="Checklist").is_visible()
    page.context.set_offline(False)


def test_reference_card_prints_on_one_a4_page(page, learner, tmp_path):
    log_in(page, learner)
    page.goto("/reference/quick-card")
    pdf = page.pdf(format="A4")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
