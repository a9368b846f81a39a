"""Every reference card of the real course prints on one A4 page, in both languages."""

from pathlib import Path

import pytest

from elearn.modules.courses.loader import load
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def content_dir() -> str:
    return str(CONTENT)


@pytest.mark.parametrize("locale", ["da-DK", "en-GB"])
def test_every_real_card_prints_on_one_a4_page(browser, live_server, people, locale,
                                               assert_accessible):
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    log_in(page, people["learner"])
    for slug in load(CONTENT).catalogue.cards:
        page.goto(f"/reference/{slug}")
        assert_accessible(page)
        pdf = page.pdf(format="A4")
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pages == 1, f"{slug} ({locale}) prints on {pages} pages"
    context.close()
