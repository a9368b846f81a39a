"""The certification report: for one certifying path, how many of the filtered people hold a valid
certificate, one expiring within 30, 31–60 or 61–90 days, an expired or revoked one, or none, and
the list of the people in each state.

The day arithmetic is certification's own: a certificate is valid through its printed Copenhagen date
(`expires_at` is 00:00 Copenhagen of the day after), revoked beats everything, expired means
`now >= expires_at`, and "expiring within n days" means `days_left(expires_at, now) <= n`, the count
the expiry reminders use (1 on the last valid day). In SQL that is `expires_at` before 00:00
Copenhagen of day today + n + 1, which `window_ends` computes once per request.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.certification.eligibility import days_left, local_date, local_midnight, valid_until
from elearn.modules.certification.models import CertificateAward
from elearn.modules.courses.catalogue import LearningPath
from elearn.modules.reports import filters as report_filters
from elearn.modules.reports.filters import Page, ReportFilters, name_order, unit_order
from elearn.modules.reports.tables import Column, Kind, Table
from elearn.modules.units.models import Unit

SORTS = ("name", "unit", "expiry")
WINDOWS = (30, 60, 90)  # days


class CertState(enum.StrEnum):
    VALID = "valid"  # and not expiring within 90 days
    EXPIRING_30 = "expiring-30"
    EXPIRING_60 = "expiring-60"
    EXPIRING_90 = "expiring-90"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NEVER = "never"


EXPIRING = (CertState.EXPIRING_30, CertState.EXPIRING_60, CertState.EXPIRING_90)
LABELS = {CertState.VALID: _l("Valid"), CertState.EXPIRING_30: _l("Expires within 30 days"),
          CertState.EXPIRING_60: _l("Expires in 31–60 days"),
          CertState.EXPIRING_90: _l("Expires in 61–90 days"), CertState.EXPIRED: _l("Expired"),
          CertState.REVOKED: _l("Revoked"), CertState.NEVER: _l("Never certified")}


def parse_state(raw: str | None) -> CertState | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw not in CertState._value2member_map_:
        raise DomainError(_l("Unknown certificate state in the address."))
    return CertState(raw)


def window_ends(now: datetime) -> tuple[datetime, ...]:
    """For each window n: the moment before which a certificate expires within n days."""
    today = local_date(now)
    return tuple(local_midnight(today + timedelta(days=days + 1)) for days in WINDOWS)


def state_of(expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> CertState:
    """The state of one award (None: never certified), by the same rules as the SQL below."""
    if expires_at is None:
        return CertState.NEVER
    if revoked_at is not None:
        return CertState.REVOKED
    if now >= expires_at:
        return CertState.EXPIRED
    left = days_left(expires_at, now)
    return next((state for state, days in zip(EXPIRING, WINDOWS, strict=True) if left <= days),
                CertState.VALID)


def state_column(award, now: datetime):
    """SQL: the state of award (an outer-joined CertificateAward), as in state_of."""
    ends = window_ends(now)
    return case((award.id.is_(None), CertState.NEVER.value),
                (award.revoked_at.is_not(None), CertState.REVOKED.value),
                (award.expires_at <= now, CertState.EXPIRED.value),
                *((award.expires_at < end, state.value) for state, end in zip(EXPIRING, ends, strict=True)),
                else_=CertState.VALID.value)


@dataclass(frozen=True)
class CertRow:
    user_id: int
    name: str
    email: str
    unit: str | None
    number: str | None
    issued_at: datetime | None
    expires_at: datetime | None
    state: CertState

    @property
    def issued_on(self) -> date | None:
        return local_date(self.issued_at) if self.issued_at else None

    @property
    def valid_until(self) -> date | None:
        return valid_until(self.expires_at) if self.expires_at else None


def _certified(scope, filters: ReportFilters, path: LearningPath, now: datetime):
    """Subquery: the filtered people with their award for the path (if any) and its state."""
    award, unit = aliased(CertificateAward), aliased(Unit)
    return (report_filters.people(scope, filters)
            .outerjoin(award, and_(award.user_id == User.id, award.path_slug == path.slug))
            .outerjoin(unit, unit.id == User.unit_id)
            .add_columns(unit.name.label("unit_name"), award.number, award.issued_at,
                         award.expires_at, state_column(award, now).label("state"))
            .subquery("certified"))


def counts(scope, filters: ReportFilters, path: LearningPath, now: datetime) -> dict[CertState, int]:
    """How many of the filtered people are in each state (every state present; one statement)."""
    certified = _certified(scope, filters, path, now)
    rows = db.session.execute(select(certified.c.state, func.count()).group_by(certified.c.state))
    found = {CertState(state): number for state, number in rows}
    return {state: found.get(state, 0) for state in CertState}


def _order(columns, filters: ReportFilters) -> list:
    names = name_order(columns.name, columns.id)
    if filters.sort == "expiry":
        expiry = columns.expires_at.desc() if filters.descending else columns.expires_at.asc()
        return [columns.expires_at.is_(None), expiry, *names]
    if filters.sort == "unit":
        return [*unit_order(columns.unit_name, filters.descending), *names]
    return [names[0].desc() if filters.descending else names[0], names[1]]


def rows(scope, filters: ReportFilters, path: LearningPath, now: datetime, state: CertState | None,
         page: Page | None = None) -> Iterator[CertRow]:
    """The people in state (everyone when None) in the asked order: a page, or all, streamed."""
    certified = _certified(scope, filters, path, now)
    stmt = select(certified).order_by(*_order(certified.c, filters))
    if state is not None:
        stmt = stmt.where(certified.c.state == state.value)
    if page is not None:
        stmt = stmt.limit(page.size).offset(page.offset)
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield CertRow(row.id, row.name, row.email, row.unit_name, row.number, row.issued_at,
                      row.expires_at, CertState(row.state))


def columns() -> tuple[Column, ...]:
    return (Column("name", _l("Name")), Column("email", _l("E-mail")), Column("unit", _l("Unit")),
            Column("path", _l("Learning path")), Column("state", _l("State")),
            Column("number", _l("Certificate number")), Column("issued", _l("Issued"), Kind.DATE),
            Column("valid_until", _l("Valid until"), Kind.DATE))


def table(scope, filters: ReportFilters, path: LearningPath, now: datetime, state: CertState | None,
          locale: str) -> Table:
    title, labels = path.title(locale), {key: str(label) for key, label in LABELS.items()}
    return Table("certification", columns(), (
        (row.name, row.email, row.unit, title, labels[row.state], row.number or "", row.issued_on,
         row.valid_until) for row in rows(scope, filters, path, now, state)))
