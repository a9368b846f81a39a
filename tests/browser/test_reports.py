"""The coordinators' reports in a real browser: axe-core scans (with a 100-row table) and keyboard use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.clock import local_date, utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, TargetKind
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.certification.services import new_number
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.units.services import find_unit
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _hundred_people() -> None:
    unit = find_unit("PAT-HOR")
    for number in range(100):
        person = accounts.create_user(f"Betjent {number:03d}", f"b{number}@politi.example", [Role.LEARNER],
                                      unit_id=unit.id, password=PASSWORD)
        db.session.flush()
        if number % 3:
            db.session.add(ModuleProgress(user_id=person.id, module_slug="first-steps", major_version=1,
                                          version="1.0", completed_at=utcnow() if number % 3 == 1 else None))
        if number % 4 == 0:
            db.session.add(ModuleProgress(user_id=person.id, module_slug="second-steps", major_version=2,
                                          version="2.1", best_score=number / 100))


def test_the_completion_matrix_with_a_hundred_rows_is_accessible(page, people, seed, assert_accessible):
    seed(_hundred_people)
    log_in(page, people["admin"])
    page.goto("/reports/completion?path=key-officer&per_page=100")
    assert page.locator("table.matrix tbody tr").count() == 100
    assert page.get_by_text("Best score 96%").count() == 1
    assert_accessible(page)

    name = page.locator("table.matrix thead a").first
    name.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Unit"
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=unit**")
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Unit")
    page.locator("th[aria-sort=ascending] a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**dir=desc**")
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Unit")

    page.goto("/reports/completion?path=key-officer&per_page=25")
    page.emulate_media(media="print")
    assert page.get_by_text("Rows 1–25 of").is_visible()  # which rows this paper holds
    assert not page.get_by_role("link", name="Next page").is_visible()
    assert page.locator("table.matrix td").first.evaluate("td => getComputedStyle(td).whiteSpace") == "normal"
    page.emulate_media(media="screen")


def _history(learner_email: str) -> int:
    """The learner completed modules this month and two months ago, and holds a certificate issued
    three months ago and renewed today; the admin's unit has an overdue assignment."""
    learner = accounts.find_user_by_email(learner_email)
    now = utcnow()
    for days_back, slug in ((0, "first-steps"), (62, "second-steps")):
        at = now - timedelta(days=days_back)
        db.session.add(ModuleProgress(user_id=learner.id, module_slug=slug, major_version=1, version="1.0",
                                      started_at=at, completed_at=at, best_score=0.9))
    award = CertificateAward(user_id=learner.id, path_slug="key-officer", number=new_number(),
                             issued_at=now - timedelta(days=92), expires_at=now + timedelta(days=700),
                             revision=2)
    db.session.add(award)
    db.session.flush()
    for number, (reason, at) in enumerate((("issued", now - timedelta(days=92)), ("renewed", now)), 1):
        db.session.add(AwardRevision(award_id=award.id, number=number, reason=reason, issued_at=at,
                                     expires_at=award.expires_at, pdf=b"%PDF", fingerprint="0" * 64))
    db.session.add(Assignment(target_kind=TargetKind.PATH, target_slug="recruit", audience=Audience.UNIT,
                              unit_id=learner.unit_id, due_on=local_date(now) - timedelta(days=2)))
    return learner.id


def test_trend_charts_assignments_and_the_learner_record_are_accessible(page, people, seed,
                                                                        assert_accessible):
    learner_id = seed(_history, people["learner"])
    log_in(page, people["admin"])
    page.goto("/reports/trends?months=24")
    chart = page.get_by_role("img", name="Module completions per month")
    assert chart.count() == 1
    assert page.get_by_role("img", name="Certificates issued and renewed per month").count() == 1
    assert page.locator("svg.chart desc").count() == 2
    assert page.get_by_role("table", name="Module completions per month").locator("tbody tr").count() == 24
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    figure = page.locator("figure.chart-figure").first
    assert figure.bounding_box()["width"] <= 375  # the chart scrolls inside its figure instead
    assert figure.evaluate("f => f.scrollWidth > f.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.chart')].flatMap(svg =>
        [...svg.querySelectorAll('text')].map(text => parseFloat(getComputedStyle(text).fontSize)
            * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width)))""")
    assert smallest >= 10.9  # the chart scrolls sideways rather than shrink its text below 11px
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/reports/assignments")
    assert page.get_by_role("table", name="Everyone with an overdue assignment").locator("tbody tr").count() == 2
    assert_accessible(page)
    page.get_by_role("link", name="Mette Sørensen").click()
    page.wait_for_url(f"**/reports/people/{learner_id}")
    assert page.get_by_role("heading", name="Learner record: Mette Sørensen").is_visible()
    assert page.get_by_role("table", name="Certificates: Mette Sørensen").is_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.get_by_role("link", name="Download CSV").is_visible()


def test_the_coordinators_reports_page_shows_what_to_act_on(page, people, seed, assert_accessible):
    seed(_history, people["learner"])
    log_in(page, people["admin"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_url("**/reports/")
    figures = page.locator("ul.figures")
    assert figures.get_by_role("link", name="2 overdue assignments").is_visible()
    assert figures.get_by_role("link", name="1 module completed this month").is_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    figures.get_by_role("link", name="2 overdue assignments").click()
    page.wait_for_url("**/reports/assignments")
    assert page.get_by_role("table", name="Everyone with an overdue assignment").locator("tbody tr").count() == 2


def test_the_certification_and_coverage_pages_are_accessible(page, people, seed, assert_accessible):
    seed(_history, people["learner"])
    log_in(page, people["admin"])
    page.goto("/reports/certification?path=key-officer")
    assert page.get_by_role("table", name="People and their certificate for Key officer").is_visible()
    assert_accessible(page)
    page.goto("/reports/coverage")
    assert page.get_by_role("table", name="Valid key officers per unit").is_visible()
    assert "units with members" in page.locator("p.coverage-summary").inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
