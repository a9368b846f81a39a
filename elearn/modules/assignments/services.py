"""Assignment rules: who may assign what to whom and by when, withdrawing, and which assignments a
coordinator sees (those whose audience is in their units, or that reach people in their units)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import aliased

from elearn.clock import local_date
from elearn.errors import Conflict, DomainError, NotFound
from elearn.extensions import db
from elearn.modules.assignments import notices
from elearn.modules.assignments.cohorts import get_cohort, in_scope
from elearn.modules.assignments.models import Assignment, Audience, Cohort, TargetKind
from elearn.modules.assignments.queries import assignees
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import User
from elearn.modules.courses.services import catalogue
from elearn.modules.units.services import get_unit

HORIZON_DAYS = 5 * 366  # a due date further away than about five years is a typing error


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    slug: str

    @property
    def key(self) -> str:
        """The form value, e.g. "path:key-officer"."""
        return f"{self.kind.value}:{self.slug}"


def targets() -> list[Target]:
    """Everything that can be assigned: the catalogue's paths, then its modules."""
    return ([Target(TargetKind.PATH, path.slug) for path in catalogue().paths]
            + [Target(TargetKind.MODULE, slug) for slug in catalogue().modules])


def parse_target(key: str) -> Target:
    """The target a form value names; raises DomainError (field target) for anything else."""
    kind, _, slug = (key or "").partition(":")
    target = next((t for t in targets() if t.kind.value == kind and t.slug == slug), None)
    if target is None:
        raise DomainError(_l("Choose a learning path or a module."), field="target")
    return target


def check_due_on(due_on: date | None, now: datetime) -> date:
    """The due date if it is today or later (Copenhagen) and within about five years."""
    today = local_date(now)
    if due_on is None:
        raise DomainError(_l("Give a due date."), field="due_on")
    if due_on < today:
        raise DomainError(_l("The due date cannot be in the past."), field="due_on")
    if due_on > today + timedelta(days=HORIZON_DAYS):
        raise DomainError(_l("Choose a due date within five years."), field="due_on")
    return due_on


def _audience(assignment: Assignment, audience: Audience, audience_id: int | None,
              scope: set[int] | None) -> None:
    """Set the audience's one id; anything unknown or out of scope is NotFound on its field."""
    if audience == Audience.PERSON:
        user = db.session.get(User, audience_id) if audience_id else None
        if user is None or not user.active or not in_scope(scope, user.unit_id):
            raise NotFound(_l("Choose an active person in your units."), field="person")
        assignment.user_id = user.id
    elif audience == Audience.UNIT:
        if audience_id is None or not in_scope(scope, audience_id):
            raise NotFound(_l("Choose one of your units."), field="unit")
        assignment.unit_id = get_unit(audience_id).id
    elif audience == Audience.COHORT:
        try:
            assignment.cohort_id = get_cohort(audience_id, scope).id if audience_id else None
        except NotFound:
            assignment.cohort_id = None
        if assignment.cohort_id is None:
            raise NotFound(_l("Choose one of your cohorts."), field="cohort")
    else:
        raise DomainError(_l("Choose who the assignment is for."), field="audience")
    assignment.audience = audience


def create_assignment(actor: User, target: Target, audience: Audience, audience_id: int | None,
                      due_on: date | None, now: datetime) -> Assignment:
    """Assign target to a person, a unit (with its sub-units) or a cohort of the actor's scope, due
    by the end of due_on; queues the "assigned" e-mail for everyone it reaches who has not completed
    it yet. Raises DomainError/NotFound on the field at fault. Returns the flushed assignment."""
    scope = accounts.scope_unit_ids(actor)
    assignment = Assignment(target_kind=target.kind, target_slug=target.slug,
                            due_on=check_due_on(due_on, now), created_by_id=actor.id, created_at=now)
    _audience(assignment, audience, audience_id, scope)
    db.session.add(assignment)
    db.session.flush()
    record(actor.id, "assignment.create", f"assignment:{assignment.id}", target=target.key,
           audience=audience.value, audience_id=audience_id, due_on=assignment.due_on.isoformat())
    notices.queue_assigned(now, assignment.id)
    return assignment


def withdraw(actor: User, assignment: Assignment, now: datetime) -> None:
    """Withdraw: it counts nowhere from now on and sends nothing more. Raises Conflict when it was
    withdrawn already, NotFound when the actor may not manage it."""
    if not manageable(assignment, accounts.scope_unit_ids(actor)):
        raise NotFound(_l("No such assignment."))
    if assignment.withdrawn_at is not None:
        raise Conflict(_l("The assignment was withdrawn already."))
    assignment.withdrawn_at = now
    db.session.flush()
    record(actor.id, "assignment.withdraw", f"assignment:{assignment.id}")


def audience_unit_id(assignment: Assignment) -> int | None:
    """The unit that decides who manages the assignment: the person's, the unit, the cohort's."""
    if assignment.audience == Audience.PERSON:
        return db.session.scalar(select(User.unit_id).where(User.id == assignment.user_id))
    if assignment.audience == Audience.COHORT:
        return db.session.scalar(select(Cohort.unit_id).where(Cohort.id == assignment.cohort_id))
    return assignment.unit_id


def manageable(assignment: Assignment, scope: set[int] | None) -> bool:
    """Coordinators manage (and withdraw) the assignments whose audience is in their units."""
    return scope is None or in_scope(scope, audience_unit_id(assignment))


def visible(scope: set[int] | None):
    """A SQL condition on Assignment: its audience is in scope, or it reaches someone in scope."""
    if scope is None:
        return true()
    person, cohort, member = aliased(User), aliased(Cohort), aliased(User)  # callers may join User
    person_unit = select(person.unit_id).where(person.id == Assignment.user_id).scalar_subquery()
    cohort_unit = select(cohort.unit_id).where(cohort.id == Assignment.cohort_id).scalar_subquery()
    reaching = assignees(people=select(member.id).where(member.unit_id.in_(scope))).subquery()
    return or_(and_(Assignment.audience == Audience.PERSON, person_unit.in_(scope)),
               and_(Assignment.audience == Audience.UNIT, Assignment.unit_id.in_(scope)),
               and_(Assignment.audience == Audience.COHORT, cohort_unit.in_(scope)),
               Assignment.id.in_(select(reaching.c.assignment_id)))


def get_assignment(assignment_id: int, scope: set[int] | None) -> Assignment:
    """The assignment if the viewer may see it (see `visible`); NotFound otherwise."""
    assignment = db.session.scalar(select(Assignment).where(Assignment.id == assignment_id,
                                                            visible(scope)))
    if assignment is None:
        raise NotFound(_l("No such assignment."))
    return assignment


def get_manageable(assignment_id: int, scope: set[int] | None) -> Assignment:
    """The assignment if the viewer may manage (withdraw) it; NotFound otherwise, also for one they
    see only because it reaches their people."""
    assignment = get_assignment(assignment_id, scope)
    if not manageable(assignment, scope):
        raise NotFound(_l("No such assignment."))
    return assignment
