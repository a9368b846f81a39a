"""A person sets up two-factor authentication with an authenticator app, then logs in with a code."""

import time

import pyotp
import pytest

from tests.browser.conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_set_up_two_factor_then_log_in_with_a_code(page, people, assert_accessible):
    log_in(page, people["learner"])
    page.goto("/account")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert_accessible(page)
    totp = pyotp.TOTP(page.locator("#secret").inner_text().replace(" ", ""))

    page.get_by_label("6-digit code from your authenticator app").fill("12345x")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)

    page.get_by_label("6-digit code from your authenticator app").fill(totp.now())
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_url("**/account")
    assert "On since" in page.locator("main").inner_text()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    log_in(page, people["learner"], wait=False)
    page.wait_for_url("**/login/two-factor")
    code = page.get_by_label("6-digit code from your authenticator app")
    assert code.evaluate("el => el === document.activeElement")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert_accessible(page)
    code.fill(totp.at(time.time() + 30))  # the set-up used the current step; each works once
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Mette Sørensen"
