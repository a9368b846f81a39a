"""The figures at the top of the reports page: what a coordinator should act on today, for their
units, each linking to the report that lists the people behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elearn.modules.certification.services import certifying_paths
from elearn.modules.reports import assignments, certification, coverage, trends
from elearn.modules.reports.filters import ReportFilters, count, people


@dataclass(frozen=True)
class Overview:
    people: int
    overdue: int  # person-assignments past their due date and not completed
    assigned: int
    expiring_30: dict[str, int]  # path slug -> certificates expiring within 30 days
    units: int
    uncovered_units: int  # units with members, none of whom holds a valid key-officer certificate
    units_without_members: int  # need no key officer: not counted as uncovered
    completions_this_month: int


def overview(scope: set[int] | None, now: datetime) -> Overview:
    """A fixed number of statements whatever the size of the force (each report's own queries)."""
    everyone = ReportFilters()
    assignment_total = assignments.total(assignments.by_unit(scope, everyone, now))
    units = coverage.coverage(scope, everyone, now)
    expiring = {path.slug: certification.counts(scope, everyone, path, now)[
        certification.CertState.EXPIRING_30] for path in certifying_paths()}
    this_month = trends.trends(scope, everyone, 1, now)[-1]
    return Overview(people=count(people(scope, everyone)), overdue=assignment_total.overdue,
                    assigned=assignment_total.total, expiring_30=expiring, units=len(units),
                    uncovered_units=coverage.uncovered(units),
                    units_without_members=coverage.without_members(units),
                    completions_this_month=this_month.completions)
