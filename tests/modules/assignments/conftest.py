"""A small world for the assignment tests: a district with two teams, another district, people in
each, and helpers that write progress, awards and assignments directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from elearn.clock import local_date, utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, Cohort, CohortMember, TargetKind
from elearn.modules.auth.models import Role
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.services import new_number
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.units.models import UnitKind


@dataclass
class World:
    district: object
    team1: object
    team2: object
    other: object
    coordinator: object  # coordinates district (their own unit)
    team_coordinator: object  # coordinates team1 only
    admin: object
    anna: object  # team1
    bo: object  # team2
    carl: object  # district itself
    xena: object  # the other district
    now: datetime

    @property
    def today(self) -> date:
        return local_date(self.now)


@pytest.fixture
def world(app, make_unit, make_user) -> World:
    district = make_unit("Sydøstjylland", "SJ", UnitKind.DISTRICT)
    team1 = make_unit("Patrulje Horsens", "SJ-H", parent=district)
    team2 = make_unit("Patrulje Vejle", "SJ-V", parent=district)
    other = make_unit("Fyn", "FYN", UnitKind.DISTRICT)
    return World(
        district, team1, team2, other,
        coordinator=make_user(Role.COORDINATOR, Role.LEARNER, name="Lene Dahl", unit=district),
        team_coordinator=make_user(Role.COORDINATOR, name="Tom Team", unit=team1),
        admin=make_user(Role.ADMIN, name="Ada Admin"),
        anna=make_user(name="Anna Jensen", email="anna@politi.example", unit=team1),
        bo=make_user(name="Bo Madsen", email="bo@politi.example", unit=team2),
        carl=make_user(name="Carl Holm", email="carl@politi.example", unit=district),
        xena=make_user(name="Xena Fyn", email="xena@politi.example", unit=other),
        now=utcnow())


def complete(user, slug: str, major: int) -> None:
    db.session.add(ModuleProgress(user_id=user.id, module_slug=slug, major_version=major,
                                  version=f"{major}.0", completed_at=utcnow()))
    db.session.commit()


def certify(user, path: str = "key-officer", days: int = 300, revoked: bool = False) -> None:
    now = utcnow()
    db.session.add(CertificateAward(user_id=user.id, path_slug=path, number=new_number(),
                                    expires_at=now + timedelta(days=days),
                                    revoked_at=now if revoked else None))
    db.session.commit()


def assign(kind: TargetKind, slug: str, due_on: date, *, user=None, unit=None, cohort=None,
           withdrawn: bool = False) -> Assignment:
    """An assignment written directly (so its due date may lie in the past)."""
    audience = Audience.PERSON if user else Audience.UNIT if unit else Audience.COHORT
    assignment = Assignment(target_kind=kind, target_slug=slug, audience=audience, due_on=due_on,
                            user_id=user and user.id, unit_id=unit and unit.id,
                            cohort_id=cohort and cohort.id, withdrawn_at=utcnow() if withdrawn else None)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def cohort_of(unit, *members, name: str = "Elever 2027") -> Cohort:
    cohort = Cohort(name=name, unit_id=unit.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all(CohortMember(cohort_id=cohort.id, user_id=m.id) for m in members)
    db.session.commit()
    return cohort
