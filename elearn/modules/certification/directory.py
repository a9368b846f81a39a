"""Read-only, set-based lists: the key-officer directory and the coordinator's overview of awards.

Validity is computed from dates in the query itself, so an expired or revoked officer drops out of
the directory the moment it happens, with no job to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import or_, select

from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.auth.services import members_of
from elearn.modules.certification.eligibility import AwardState, award_state, valid_until
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.services import certifying_paths
from elearn.modules.units.models import Unit
from elearn.search import matches

#: Coordinators see who drops out (expires) within this many days.
DROP_OUT_DAYS = 90
QUERY_MAX = 100


@dataclass(frozen=True)
class Officer:
    name: str
    email: str  # work e-mail when given, else the account's address
    phone: str
    paths: tuple[str, ...]  # path slugs held
    valid_until: date  # the earliest last valid (Copenhagen) day of those


@dataclass(frozen=True)
class UnitGroup:
    unit: str  # the unit's path of names, "Sydøstjyllands Politi › Efterforskning"; "" for none
    officers: tuple[Officer, ...]


def unit_labels(paths) -> dict[str, str]:
    """Unit path ("/1/4/9/") -> its names from the root down, joined by ›; one query for all (unit
    names are not unique, so a unit is shown with where it sits)."""
    paths = {p for p in paths if p}
    ids = {int(part) for p in paths for part in p.strip("/").split("/") if part}
    if not ids:
        return {}
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    return {p: " › ".join(names.get(int(part), "?") for part in p.strip("/").split("/") if part)
            for p in paths}


def key_officers(now: datetime, query: str = "") -> list[UnitGroup]:
    """Currently valid holders of directory paths (active accounts), per unit (by name, then id:
    names are not unique), each unit shown with its path; query matches a name or a unit name
    (case-insensitive)."""
    paths = [p.slug for p in certifying_paths() if p.certification.directory]
    if not paths:
        return []
    statement = (
        select(User.name, User.email, User.work_email, User.work_phone, Unit.id, Unit.path,
               CertificateAward.path_slug, CertificateAward.expires_at)
        .join(CertificateAward, CertificateAward.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(CertificateAward.path_slug.in_(paths), CertificateAward.revoked_at.is_(None),
               CertificateAward.expires_at > now, User.active.is_(True))
        .order_by(Unit.name, Unit.id, User.name, User.id))
    query = query.strip()[:QUERY_MAX]
    if query:
        statement = statement.where(or_(matches(User.name, query), matches(Unit.name, query)))
    rows = db.session.execute(statement).all()
    labels = unit_labels(row.path for row in rows)
    groups = []
    for (_unit_id, path), members in groupby(rows, key=lambda row: (row.id, row.path)):
        officers = []
        for (name, email, work_email, phone), held in groupby(members, key=lambda r: r[:4]):
            held = list(held)
            officers.append(Officer(name, work_email or email, phone,
                                    tuple(r.path_slug for r in held),
                                    valid_until(min(r.expires_at for r in held))))
        groups.append(UnitGroup(labels.get(path, ""), tuple(officers)))
    return groups


@dataclass(frozen=True)
class AwardRow:
    award_id: int
    number: str
    name: str
    unit: str
    path_slug: str
    expires_at: datetime
    valid_until: date  # the Copenhagen date printed on it
    state: AwardState
    revoked_at: datetime | None
    revoke_reason: str


@dataclass(frozen=True)
class Overview:
    expiring: tuple[AwardRow, ...]  # valid, expiring within DROP_OUT_DAYS, soonest first
    expired: tuple[AwardRow, ...]
    revoked: tuple[AwardRow, ...]
    valid: int  # how many are valid beyond that window


def overview(scope: set[int] | None, now: datetime) -> Overview:
    """The awards of the people in scope (None: everyone), sorted into what a coordinator acts on."""
    rules = {p.slug: p.certification for p in certifying_paths()}
    statement = (select(CertificateAward, User.name, Unit.path)
                 .join(User, User.id == CertificateAward.user_id)
                 .outerjoin(Unit, Unit.id == User.unit_id)
                 .where(CertificateAward.path_slug.in_(list(rules)))
                 .order_by(CertificateAward.expires_at, User.name))
    if scope is not None:
        statement = statement.where(CertificateAward.user_id.in_(members_of(scope)))
    horizon = now + timedelta(days=DROP_OUT_DAYS)
    expiring, expired, revoked, valid = [], [], [], 0
    rows = db.session.execute(statement).all()
    labels = unit_labels(path for _award, _name, path in rows)
    for award, name, path in rows:
        state = award_state(rules[award.path_slug], award.expires_at, award.revoked_at, now)
        row = AwardRow(award.id, award.number, name, labels.get(path, ""), award.path_slug,
                       award.expires_at, valid_until(award.expires_at), state, award.revoked_at,
                       award.revoke_reason)
        if state is AwardState.REVOKED:
            revoked.append(row)
        elif state is AwardState.EXPIRED:
            expired.append(row)
        elif award.expires_at <= horizon:
            expiring.append(row)
        else:
            valid += 1
    return Overview(tuple(expiring), tuple(expired[::-1]), tuple(revoked), valid)
