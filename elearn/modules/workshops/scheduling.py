"""The coordinator's side: scheduling, moving and cancelling sessions, and inviting people."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from elearn.errors import Conflict, DomainError, Forbidden, NotFound
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth.models import Role, User
from elearn.modules.auth.services import scope_unit_ids
from elearn.modules.progress.services import learners_of
from elearn.modules.units.services import subtree_ids
from elearn.modules.workshops import notify
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.models import (
    Audience,
    Invitation,
    Registration,
    RegistrationState,
    SessionState,
    WorkshopSession,
)
from elearn.modules.workshops.services import HOLDS_PLACE, cancel, lock, promote, taken_places

MAX_CAPACITY = 1000


@dataclass(frozen=True)
class SessionPlan:
    """What a coordinator enters for a session (times already converted to naive UTC)."""

    workshop_slug: str
    unit_id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str
    facilitator_id: int | None
    capacity: int
    audience: Audience
    registration_deadline: datetime | None
    cancellation_deadline: datetime | None


def can_manage(user, session: WorkshopSession) -> bool:
    """Coordinators manage the sessions of their units (admins all)."""
    if not user.has_role(Role.COORDINATOR, Role.ADMIN):
        return False
    scope = scope_unit_ids(user)
    return scope is None or session.unit_id in scope


def require_manage(user, session: WorkshopSession) -> None:
    """Raises Forbidden unless user coordinates the session's unit."""
    if not can_manage(user, session):
        raise Forbidden(_l("This session belongs to a unit you do not coordinate."))


def require_attendance_taker(user, session: WorkshopSession) -> None:
    """The session's facilitator and its coordinators take attendance; raises Forbidden."""
    if session.facilitator_id != user.id and not can_manage(user, session):
        raise Forbidden(_l("Only the facilitator and the coordinators of this session can do "
                           "that."))


def _check_plan(plan: SessionPlan, scope: set[int] | None) -> None:
    if plan.workshop_slug not in workshops():
        raise DomainError(_l("Choose a workshop."), field="workshop_slug")
    if scope is not None and plan.unit_id not in scope:
        raise Forbidden(_l("You can only schedule sessions for units you coordinate."))
    if plan.ends_at <= plan.starts_at:
        raise DomainError(_l("The session must end after it starts."), field="end_time")
    if not plan.place and not plan.online_url:
        raise DomainError(_l("Give a place or an online link."), field="place")
    if plan.online_url and not plan.online_url.lower().startswith(("https://", "http://")):
        raise DomainError(_l("The online link must start with https://."), field="online_url")
    if not 1 <= plan.capacity <= MAX_CAPACITY:
        raise DomainError(_l("Capacity must be between 1 and %(max)d.", max=MAX_CAPACITY),
                          field="capacity")
    for name in ("registration_deadline", "cancellation_deadline"):
        deadline = getattr(plan, name)
        if deadline and deadline > plan.starts_at:
            raise DomainError(_l("A deadline cannot be after the session starts."), field=name)


def schedule(actor: User, plan: SessionPlan, now: datetime) -> WorkshopSession:
    """Create a session; raises DomainError/Forbidden for a plan that does not hold."""
    _check_plan(plan, scope_unit_ids(actor))
    if plan.starts_at <= now:
        raise DomainError(_l("The session must start in the future."), field="date")
    session = WorkshopSession(created_by_id=actor.id, revision=0, state=SessionState.SCHEDULED)
    _apply(session, plan)
    db.session.add(session)
    db.session.flush()
    record(actor.id, "workshop.schedule", f"workshop_session:{session.id}",
           workshop=plan.workshop_slug, starts_at=plan.starts_at.isoformat())
    return session


def _apply(session: WorkshopSession, plan: SessionPlan) -> None:
    for name in ("workshop_slug", "unit_id", "starts_at", "ends_at", "place", "online_url",
                 "facilitator_id", "capacity", "audience"):
        setattr(session, name, getattr(plan, name))
    session.registration_deadline = plan.registration_deadline or plan.starts_at
    session.cancellation_deadline = plan.cancellation_deadline or plan.starts_at


def _deadlines_follow(session: WorkshopSession, plan: SessionPlan) -> SessionPlan:
    """Deadlines the coordinator left as they were move with the start, keeping their distance
    before it (a session moved a week later keeps registration open a week longer)."""
    shift = plan.starts_at - session.starts_at
    if not shift:
        return plan

    def follow(entered: datetime | None, stored: datetime) -> datetime | None:
        return stored + shift if entered is None or entered == stored else entered

    return replace(plan, registration_deadline=follow(plan.registration_deadline,
                                                      session.registration_deadline),
                   cancellation_deadline=follow(plan.cancellation_deadline,
                                                session.cancellation_deadline))


def update(actor: User, session: WorkshopSession, plan: SessionPlan, reason: str,
           now: datetime) -> list[Registration]:
    """Change a session. A new time or place is e-mailed to everyone registered or waiting; more
    places go to the waiting list. Returns the promoted registrations. Raises Conflict for a
    cancelled session or a capacity below the places already taken."""
    require_manage(actor, session)
    lock(session)
    if session.state is SessionState.CANCELLED:
        raise Conflict(_l("This session is cancelled."))
    plan = _deadlines_follow(session, plan)
    _check_plan(plan, scope_unit_ids(actor))
    if plan.workshop_slug != session.workshop_slug:
        raise DomainError(_l("The workshop of a session cannot be changed; cancel it and schedule "
                             "a new one."), field="workshop_slug")
    taken = taken_places(session.id)
    if plan.capacity < taken:
        raise Conflict(_l("%(taken)d people already hold a place; the capacity cannot be lower.",
                          taken=taken), field="capacity")
    moved = (plan.starts_at, plan.ends_at, plan.place, plan.online_url) != (
        session.starts_at, session.ends_at, session.place, session.online_url)
    _apply(session, plan)
    db.session.flush()
    record(actor.id, "workshop.update", f"workshop_session:{session.id}", moved=moved,
           reason=reason)
    if moved:
        for registration in _people(session.id, (*HOLDS_PLACE, RegistrationState.WAITLISTED)):
            notify.send(registration.user, session, "moved",
                        registration.state is not RegistrationState.WAITLISTED, reason=reason)
    return promote(session, now)


def cancel_session(actor: User, session: WorkshopSession, reason: str) -> int:
    """Cancel a session (it is kept, marked cancelled) and tell everyone registered or waiting;
    returns how many were told. Raises Conflict when it is already cancelled."""
    require_manage(actor, session)
    lock(session)
    if session.state is SessionState.CANCELLED:
        raise Conflict(_l("This session is already cancelled."))
    if not reason.strip():
        raise DomainError(_l("Give a reason; it is sent to the people registered."), field="reason")
    session.state, session.cancel_reason = SessionState.CANCELLED, reason.strip()[:500]
    db.session.flush()
    record(actor.id, "workshop.cancel", f"workshop_session:{session.id}", reason=reason)
    people = _people(session.id, (RegistrationState.REGISTERED, RegistrationState.WAITLISTED))
    for registration in people:
        notify.send(registration.user, session, "session_cancelled",
                    registration.state is RegistrationState.REGISTERED, reason=session.cancel_reason)
    return len(people)


def cancel_for(actor: User, registration: Registration, now: datetime) -> list[Registration]:
    """A coordinator cancels someone's place or waiting-list entry, also after the deadline (audited);
    returns the promoted registrations."""
    require_manage(actor, registration.session)
    promoted = cancel(registration, now, "", by_coordinator=True)
    record(actor.id, "workshop.cancel_registration", f"registration:{registration.id}",
           user_id=registration.user_id)
    return promoted


def _people(session_id: int, states) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.session_id == session_id, Registration.state.in_(states))))


@dataclass(frozen=True)
class InviteResult:
    invited: int  # newly invited (and e-mailed)
    skipped: int  # outside the coordinator's units, or deactivated: not invited


def invite(actor: User, session: WorkshopSession, user_ids: set[int], now: datetime) -> InviteResult:
    """Invite these people (only those in the actor's scope, active) and e-mail each new invitee.
    Raises Conflict for a cancelled or started session."""
    require_manage(actor, session)
    if session.state is SessionState.CANCELLED:
        raise Conflict(_l("This session is cancelled."))
    if now >= session.starts_at:
        raise Conflict(_l("This session has already started."))
    scope = scope_unit_ids(actor)
    stmt = select(User).where(User.id.in_(user_ids), User.active.is_(True))
    if scope is not None:
        stmt = stmt.where(User.unit_id.in_(scope))
    already = set(db.session.scalars(select(Invitation.user_id)
                                     .where(Invitation.session_id == session.id)))
    eligible = list(db.session.scalars(stmt))
    invited = [user for user in eligible if user.id not in already]
    for user in invited:
        db.session.add(Invitation(session_id=session.id, user_id=user.id, invited_by_id=actor.id))
        notify.send(user, session, "invited")
    db.session.flush()
    record(actor.id, "workshop.invite", f"workshop_session:{session.id}", count=len(invited))
    return InviteResult(len(invited), len(user_ids) - len(eligible))


def people_of_units(unit_ids) -> set[int]:
    """Active users in these units and every unit below them."""
    units = subtree_ids(unit_ids)
    return set(db.session.scalars(select(User.id).where(User.unit_id.in_(units),
                                                        User.active.is_(True))))


def people_by_email(addresses: list[str], active_only: bool = False) -> tuple[set[int], list[str]]:
    """(user ids, addresses that match nobody) for a list of e-mail addresses; active_only: a
    deactivated account counts as nobody."""
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    query = select(User.email, User.id).where(User.email.in_(wanted))
    if active_only:
        query = query.where(User.active.is_(True))
    found = dict(db.session.execute(query).all())
    return set(found.values()), sorted(wanted - set(found))


def facilitator_id(email: str) -> int | None:
    """The facilitator's user id from their e-mail address (none given: None); raises DomainError
    when no active account has it."""
    if not email.strip():
        return None
    ids, unknown = people_by_email([email], active_only=True)
    if unknown:
        raise DomainError(_l("No active account has this e-mail address."), field="facilitator_email")
    return ids.pop()


def invitees(unit_ids, path_modules: tuple[str, ...], addresses: str) -> set[int]:
    """Whom an invitation names: people of the units (with the units below), learners of a path's
    modules, and people by e-mail (one per line, or separated by commas or semicolons). Raises
    DomainError listing addresses that match nobody."""
    ids = people_of_units(unit_ids)
    if path_modules:
        ids |= learners_of(path_modules)
    lines = addresses.replace(",", "\n").replace(";", "\n").splitlines()
    named, unknown = people_by_email(lines)
    if unknown:
        raise DomainError(_l("Nobody has these e-mail addresses: %(emails)s",
                             emails=", ".join(unknown[:10])), field="emails")
    return ids | named


def get_session_for(session_id: int, user) -> WorkshopSession:
    """The session if user manages it; raises NotFound/Forbidden."""
    session = db.session.get(WorkshopSession, session_id)
    if session is None:
        raise NotFound(_l("There is no such workshop session."))
    require_manage(user, session)
    return session
