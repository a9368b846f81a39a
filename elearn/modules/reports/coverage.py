"""Key-officer coverage: for every unit in scope, its people and how many of them hold a valid key-officer
certificate (a path listed in the directory), and how many of those expire within 90 days.

A unit counts its own members (not those of its sub-units, which have their own rows): a key officer
serves the unit they belong to. A unit with no members of its own (e.g. a district that only groups
its stations) needs no key officer: it shows as "No members", not as uncovered. A person holding two
directory certificates is one key officer; they expire within 90 days when the later of the two does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.certification.directory import unit_labels
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.services import certifying_paths
from elearn.modules.reports.certification import WINDOWS, window_ends
from elearn.modules.reports.filters import ReportFilters
from elearn.modules.reports.tables import Column, Kind, Table
from elearn.modules.units import services as units
from elearn.modules.units.models import Unit


@dataclass(frozen=True)
class UnitCoverage:
    unit_id: int
    name: str
    code: str
    depth: int  # below the shown roots
    parent: str  # the parent's path of names, "" for a top unit
    people: int
    officers: int  # people holding a valid key-officer certificate
    expiring: int  # of those, whose certificate expires within 90 days

    @property
    def covered(self) -> bool:
        return self.officers > 0

    @property
    def uncovered(self) -> bool:
        """Members but no valid key officer among them."""
        return self.people > 0 and not self.covered


def directory_paths() -> list[str]:
    return [path.slug for path in certifying_paths() if path.certification.directory]


def _units(scope, filters: ReportFilters):
    stmt = select(Unit.id)
    if scope is not None:
        stmt = stmt.where(Unit.id.in_(scope))
    if filters.unit_path:
        stmt = stmt.where(Unit.path.startswith(filters.unit_path, autoescape=True))
    return stmt


def _officers(unit_ids, now: datetime):
    """(unit_id, officers, expiring) for the units (one statement)."""
    holder = (select(CertificateAward.user_id, func.max(CertificateAward.expires_at).label("until"))
              .where(CertificateAward.path_slug.in_(directory_paths()), CertificateAward.revoked_at.is_(None),
                     CertificateAward.expires_at > now)
              .group_by(CertificateAward.user_id).subquery("holder"))
    soon = case((holder.c.until < window_ends(now)[WINDOWS.index(90)], 1), else_=0)
    return db.session.execute(
        select(User.unit_id, func.count(), func.sum(soon)).join(holder, holder.c.user_id == User.id)
        .where(User.active.is_(True), User.unit_id.in_(unit_ids)).group_by(User.unit_id))


def coverage(scope, filters: ReportFilters, now: datetime) -> list[UnitCoverage]:
    """Every unit in scope (under the filter's unit), in tree order: four statements."""
    unit_ids = _units(scope, filters)
    rows = units.tree(db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids))))
    people = dict(db.session.execute(
        select(User.unit_id, func.count()).where(User.active.is_(True), User.unit_id.in_(unit_ids))
        .group_by(User.unit_id)).all())
    officers = {unit_id: (count, int(soon or 0)) for unit_id, count, soon in _officers(unit_ids, now)}
    parents = {row.unit.id: row.unit.path.rsplit("/", 2)[0] + "/" for row in rows}
    labels = unit_labels(path for path in parents.values() if path != "/")
    return [UnitCoverage(row.unit.id, row.unit.name, row.unit.code, row.depth,
                         labels.get(parents[row.unit.id], ""), people.get(row.unit.id, 0),
                         *officers.get(row.unit.id, (0, 0))) for row in rows]


def columns() -> tuple[Column, ...]:
    return (Column("unit", _l("Unit")), Column("code", _l("Unit code")),
            Column("parent", _l("Part of")), Column("people", _l("People"), Kind.INTEGER),
            Column("officers", _l("Valid key officers"), Kind.INTEGER),
            Column("expiring", _l("Expiring within 90 days"), Kind.INTEGER),
            Column("covered", _l("Covered")))


def uncovered(rows: list[UnitCoverage]) -> int:
    return sum(row.uncovered for row in rows)


def without_members(rows: list[UnitCoverage]) -> int:
    return sum(not row.people for row in rows)


def table(scope, filters: ReportFilters, now: datetime) -> Table:
    """Every unit's line (read when the rows are, so a HEAD request runs no query)."""
    words = {True: str(_l("yes")), False: str(_l("no")), None: str(_l("No members"))}

    def rows():
        for row in coverage(scope, filters, now):
            yield (row.name, row.code, row.parent, row.people, row.officers, row.expiring,
                   words[row.covered if row.people else None])

    return Table("coverage", columns(), rows())
