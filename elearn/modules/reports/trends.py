"""Trends: module completions and certificates issued or renewed per Copenhagen calendar month, for the
people a filter selects. Two grouped statements whatever the number of people or months.

Months are told apart in SQL by comparing each moment with the months' first Copenhagen midnights
(as naive UTC), one CASE branch per month, so a completion at 23:30 UTC on 31 March counts in April,
daylight saving time is right, and the same SQL runs on SQLite and PostgreSQL (no time zone or date
truncation functions, which the two do not share)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select

from elearn.clock import local_date, local_midnight
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.courses.services import catalogue
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.reports.filters import ReportFilters, people
from elearn.modules.reports.tables import Column, Kind, Table

PERIODS = (6, 12, 24)
DEFAULT_PERIOD = 12
RENEWED = "renewed"  # AwardRevision.reason of a renewal; every other revision is an issue

COLUMNS = (Column("month", _l("Month"), Kind.DATE),
           Column("completions", _l("Module completions"), Kind.INTEGER),
           Column("issued", _l("Certificates issued"), Kind.INTEGER),
           Column("renewed", _l("Certificates renewed"), Kind.INTEGER))


@dataclass(frozen=True)
class Month:
    first: date  # the first day of the Copenhagen calendar month
    completions: int = 0
    issued: int = 0
    renewed: int = 0

    @property
    def row(self) -> tuple:
        return (self.first, self.completions, self.issued, self.renewed)


def parse_period(raw: str | None) -> int:
    """The number of months to show from the `months` query argument (6, 12 or 24; 12 when empty)."""
    raw = (raw or "").strip()
    if not raw:
        return DEFAULT_PERIOD
    choices = {str(period): period for period in PERIODS}  # exact text: "²" is a digit int() refuses
    if raw not in choices:
        raise DomainError(_l("Show 6, 12 or 24 months."))
    return choices[raw]


def month_starts(now: datetime, count: int) -> list[date]:
    """The first days of the last count Copenhagen calendar months, oldest first, this month last."""
    today = local_date(now)
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _bounds(months: list[date]) -> list[datetime]:
    """Each month's first Copenhagen midnight as naive UTC, and the next month's after the last."""
    last = months[-1]
    following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return [local_midnight(day) for day in [*months, following]]


def _month_index(moment, bounds: list[datetime]):
    """SQL: which month (0 = oldest) moment falls in; only meaningful within the bounds."""
    inner = bounds[1:-1]
    if not inner:
        return literal(0)
    return case(*((moment < bound, number) for number, bound in enumerate(inner)), else_=len(inner))


def _completions(ids, filters: ReportFilters, bounds: list[datetime]) -> dict[int, int]:
    moment = ModuleProgress.completed_at
    query = select(_month_index(moment, bounds).label("month")).where(
        moment >= bounds[0], moment < bounds[-1], ModuleProgress.user_id.in_(ids))
    path = catalogue().path(filters.path_slug)
    if path is not None:
        query = query.where(ModuleProgress.module_slug.in_(path.modules))
    months = query.subquery()
    return dict(db.session.execute(select(months.c.month, func.count()).group_by(months.c.month)).all())


def _certificates(ids, filters: ReportFilters, bounds: list[datetime]) -> dict[tuple[int, bool], int]:
    moment = AwardRevision.issued_at
    query = (select(_month_index(moment, bounds).label("month"),
                    (AwardRevision.reason == RENEWED).label("renewed"))
             .join(CertificateAward, CertificateAward.id == AwardRevision.award_id)
             .where(moment >= bounds[0], moment < bounds[-1], CertificateAward.user_id.in_(ids)))
    if filters.path_slug:
        query = query.where(CertificateAward.path_slug == filters.path_slug)
    rows = query.subquery()
    grouped = select(rows.c.month, rows.c.renewed, func.count()).group_by(rows.c.month, rows.c.renewed)
    return {(month, bool(renewed)): number for month, renewed, number in db.session.execute(grouped)}


def trends(scope: set[int] | None, filters: ReportFilters, months: int, now: datetime) -> list[Month]:
    """One Month per calendar month of the period, oldest first, months without events as zeros.
    Completions: ModuleProgress.completed_at (of the path's modules when a path is chosen);
    certificates: AwardRevision.issued_at (of that path), split into issues and renewals. Only
    active people in scope who match the filters count."""
    starts = month_starts(now, months)
    bounds = _bounds(starts)
    ids = people(scope, filters).with_only_columns(User.id)
    completions = _completions(ids, filters, bounds)
    certificates = _certificates(ids, filters, bounds)
    return [Month(first, completions.get(number, 0), certificates.get((number, False), 0),
                  certificates.get((number, True), 0))
            for number, first in enumerate(starts)]


def table(scope: set[int] | None, filters: ReportFilters, months: int, now: datetime) -> Table:
    """All the months' numbers; named after the period (the file name and the audit trail say it)."""
    def rows():  # read when the rows are (a HEAD request reads none)
        for month in trends(scope, filters, months, now):
            yield month.row

    return Table(f"trends-{months}-months", COLUMNS, rows())
