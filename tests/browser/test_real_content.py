"""The real course in a browser: every card prints on one A4 page, every page passes axe on a phone."""

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


@pytest.mark.parametrize("locale", ["da-DK", "en-GB"])
def test_every_real_module_page_and_section_passes_axe(browser, live_server, people, locale,
                                                       assert_accessible):
    context = browser.new_context(base_url=live_server, locale=locale,
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, people["learner"])
    for module in load(CONTENT).catalogue.modules.values():
        for url in [f"/modules/{module.slug}",
                    *(f"/modules/{module.slug}/{section}" for section in module.section_ids)]:
            page.goto(url)
            assert_accessible(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{url} is {width}px wide on a phone"
    context.close()
