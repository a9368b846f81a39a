"""A person logs in, sees the dashboard, switches language, and finds every page accessible."""

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_learner_logs_in_and_sees_the_dashboard(page, people, assert_accessible):
    page.goto("/")
    assert "/login" in page.url
    assert_accessible(page)
    log_in(page, people["learner"])
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Mette Sørensen"
    assert_accessible(page)


def test_wrong_password_shows_a_linked_error_summary(page, people, assert_accessible):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(people["learner"])
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    assert "not correct" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def test_keyboard_user_reaches_main_content_by_skip_link(page, people):
    log_in(page, people["learner"])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_language_switch_turns_the_page_danish(page, people):
    log_in(page, people["learner"])
    page.get_by_role("button", name="Dansk").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "da"


ADMIN_PAGES = ["/", "/account", "/account/password", "/people", "/admin/users",
               "/admin/users/new", "/admin/units", "/admin/units/new", "/admin/roster", "/modules",
               "/modules/first-steps", "/modules/first-steps/what", "/modules/second-steps",
               "/reference", "/reference/quick-card", "/search?q=stalking"]


@pytest.mark.parametrize("locale", ["en-GB", "da-DK"])
def test_every_page_passes_axe_in_both_languages(browser, live_server, people, assert_accessible,
                                                 locale):
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    log_in(page, people["admin"])
    for url in ADMIN_PAGES:
        page.goto(url)
        assert_accessible(page)
    page.goto("/no/such/page")
    assert_accessible(page)
    context.close()


def test_forms_show_accessible_errors(page, people, assert_accessible):
    log_in(page, people["admin"])
    page.goto("/admin/users/new")
    page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert")
    assert summary.is_visible()
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") in ("name", "email")


def test_phone_width_has_no_horizontal_scroll(browser, live_server, people):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, people["admin"])
    for url in ["/", "/admin/users", "/admin/users/new", "/login"]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width}px wide on a 360px phone"
    context.close()
