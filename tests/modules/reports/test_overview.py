"""The reports landing page: the figures to act on, hand-counted on the assignments report's data set
(plus one key-officer certificate that expires within 30 days), scoped, with a fixed statement count."""

import pytest

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.auth.services import scope_unit_ids
from elearn.modules.reports import views
from elearn.modules.reports.overview import overview
from tests.modules.reports.budget import statement_counts
from tests.modules.reports.test_assignments_report import world  # noqa: F401  (the data set)
from tests.modules.reports.test_certification import award


@pytest.fixture
def figures_world(world):  # noqa: F811
    award(world["anna"], days_left=20)
    award(world["bo"], days_left=10)
    db.session.commit()
    return world


def test_the_coordinators_figures_count_only_their_units(figures_world):
    coordinator = figures_world["coordinator"]
    figures = overview(scope_unit_ids(coordinator), utcnow())
    # Anna, Aksel and Alma (Ditte is deactivated; Bo is in Beta).
    assert figures.people == 3
    # Unit assignment 1 (Anna, Aksel, Alma), Aksel's path, the cohort's path for Alma, Anna's module.
    assert (figures.assigned, figures.overdue) == (6, 2)  # Aksel's first-steps, Anna's second-steps
    assert figures.expiring_30 == {"key-officer": 1}  # Anna's; Bo's is outside the scope
    assert (figures.units, figures.uncovered_units) == (2, 1)  # Alpha One has no key officer
    assert figures.completions_this_month == 2  # Anna and Alma read first-steps


def test_units_without_members_are_not_counted_as_uncovered(client, auth, figures_world, make_unit):
    make_unit("Alpha Staff", parent=figures_world["alpha"])  # groups nobody: needs no key officer
    db.session.commit()
    figures = overview(scope_unit_ids(figures_world["coordinator"]), utcnow())
    assert (figures.units, figures.uncovered_units, figures.units_without_members) == (3, 1, 1)
    auth.login(figures_world["coordinator"])
    page = client.get("/reports/").get_data(as_text=True)
    assert "1</span>\n    unit without a valid key officer" in page and "of 2 units with members" in page


def test_an_admin_sees_the_whole_force(figures_world):
    figures = overview(None, utcnow())
    assert figures.people == 5  # the coordinator has no unit but is a person too
    assert figures.overdue == 3  # and Bo's first-steps in Beta
    assert figures.expiring_30 == {"key-officer": 2}
    assert (figures.units, figures.uncovered_units) == (3, 1)  # Bo covers Beta


def test_the_page_links_each_figure_to_its_report(client, auth, figures_world):
    auth.login(figures_world["coordinator"])
    page = client.get("/reports/").get_data(as_text=True)
    assert "2</span>\n    overdue assignments" in page
    assert "/reports/certification?path=key-officer&amp;state=expiring-30" in page
    assert "1</span>\n    unit without a valid key officer" in page
    assert "Bo" not in page
    # each figure to act on says so in words, not only by its red edge; this month's count does not
    assert page.count('class="figure attention"') == page.count("Needs attention</strong>") == 3


def test_learners_may_not_see_it(client, auth, figures_world):
    auth.login(figures_world["alma"])
    assert client.get("/reports/").status_code == 403


def test_the_statement_count_does_not_grow_with_people(client, auth, make_user, figures_world):
    auth.login(figures_world["coordinator"])

    def grow(size):
        for _ in range(size):
            make_user(Role.LEARNER, unit=figures_world["alpha_one"])
        return "/reports/"

    first, second = statement_counts(client, grow)
    assert first == second <= 25


def test_a_report_missing_from_the_order_is_listed_last(monkeypatch):
    monkeypatch.setattr(views, "REPORTS", list(views.REPORTS))
    views.listed("reports.someday", "Someday", "Not in ORDER yet.")
    views.listed("reports.completion", "Again", "Still first.")
    assert [report.endpoint for report in views.REPORTS][-1] == "reports.someday"
    assert views.REPORTS[0].endpoint == "reports.completion"
