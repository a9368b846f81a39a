"""Registration rules: register or join the waiting list, cancel, promote, take attendance.

Every change to a session's places starts by locking the session row (an UPDATE of its revision):
PostgreSQL holds that row lock, SQLite the database's single write lock, until the commit, so two
people can never take the same last place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from elearn import events
from elearn.errors import Conflict, DomainError, Forbidden, NotFound
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth.models import User
from elearn.modules.workshops import notify
from elearn.modules.workshops.models import (
    Audience,
    Invitation,
    Registration,
    RegistrationState,
    SessionState,
    WorkshopSession,
)
from elearn.modules.workshops.times import local_date

S = RegistrationState
#: States that hold one of the session's places.
HOLDS_PLACE = (S.REGISTERED, S.ATTENDED, S.NO_SHOW)
#: Attendance can be taken (and people check in) from this long before the start.
ATTENDANCE_OPENS = timedelta(hours=1)
#: Which states a change may start from: the state machine in one table.
TRANSITIONS = {
    "register": {None, S.CANCELLED},
    "cancel": {S.REGISTERED, S.WAITLISTED},
    "promote": {S.WAITLISTED},
    "attend": {S.REGISTERED, S.ATTENDED, S.NO_SHOW},
    "check_in": {S.REGISTERED, S.ATTENDED},
}


@dataclass(frozen=True)
class Counts:
    registered: int = 0  # holding a place (registered, attended or no-show)
    waitlisted: int = 0
    attended: int = 0
    no_show: int = 0


def get_session(session_id: int) -> WorkshopSession:
    """The session; raises NotFound."""
    session = db.session.get(WorkshopSession, session_id)
    if session is None:
        raise NotFound(_l("There is no such workshop session."))
    return session


def get_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_l("There is no such registration."))
    return registration


def find_registration(session_id: int, user_id: int) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.session_id == session_id,
                                                        Registration.user_id == user_id))


def is_invited(session_id: int, user_id: int) -> bool:
    return db.session.scalar(select(Invitation.id).where(Invitation.session_id == session_id,
                                                         Invitation.user_id == user_id)) is not None


def lock(session: WorkshopSession) -> WorkshopSession:
    """Take the session's write lock for this transaction and re-read it; returns it."""
    db.session.execute(update(WorkshopSession).where(WorkshopSession.id == session.id)
                       .values(revision=WorkshopSession.revision + 1)
                       .execution_options(synchronize_session=False))
    db.session.refresh(session)
    return session


def counts(session_ids) -> dict[int, Counts]:
    """Registration counts per session id, in one query."""
    ids = list(session_ids)
    rows = db.session.execute(select(Registration.session_id, Registration.state, func.count())
                              .where(Registration.session_id.in_(ids))
                              .group_by(Registration.session_id, Registration.state)) if ids else []
    tally: dict[int, dict] = {}
    for session_id, state, number in rows:
        tally.setdefault(session_id, {})[state] = number
    result = {}
    for session_id in ids:
        t = tally.get(session_id, {})
        result[session_id] = Counts(sum(t.get(s, 0) for s in HOLDS_PLACE), t.get(S.WAITLISTED, 0),
                                    t.get(S.ATTENDED, 0), t.get(S.NO_SHOW, 0))
    return result


def taken_places(session_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Registration.session_id == session_id,
                                                        Registration.state.in_(HOLDS_PLACE))) or 0


def _check(action: str, registration: Registration | None) -> None:
    state = registration.state if registration else None
    if state not in TRANSITIONS[action]:
        raise Conflict(_l("That is not possible for a registration that is %(state)s.",
                          state=STATE_LABELS[state] if state else "—"))


def _check_open(session: WorkshopSession, now: datetime) -> None:
    if session.state is SessionState.CANCELLED:
        raise Conflict(_l("This session is cancelled."))
    if now >= session.registration_deadline or now >= session.starts_at:
        raise DomainError(_l("Registration for this session has closed."))


def cancellation_closed(registration: Registration, session: WorkshopSession, now: datetime) -> bool:
    """Whether the learner's own cancelling has closed: they hold a place and the cancellation
    deadline has passed (unless the place came to them after it, by a late promotion)."""
    return (registration.state is S.REGISTERED and now >= session.cancellation_deadline
            and registration.updated_at < session.cancellation_deadline)


def can_be_cancelled(registration: Registration, session: WorkshopSession, now: datetime) -> bool:
    """A place or waiting-list entry of a scheduled session that has not started yet."""
    return (registration.state in (S.REGISTERED, S.WAITLISTED)
            and session.state is SessionState.SCHEDULED and now < session.starts_at)


@dataclass(frozen=True)
class LearnerChoices:
    """What the session page offers a learner now, as the rules of register() and cancel() say."""

    register: bool
    registration_closed: bool
    invitation_only: bool
    cancel: bool  # the cancel box is shown
    ask_coordinator: bool  # ...but only a coordinator can cancel now


def learner_choices(session: WorkshopSession, registration: Registration | None, invited: bool,
                    now: datetime) -> LearnerChoices:
    scheduled = session.state is SessionState.SCHEDULED
    unregistered = registration is None or registration.state is S.CANCELLED
    closed = now >= session.registration_deadline or now >= session.starts_at
    allowed = session.audience is Audience.OPEN or invited
    cancellable = registration is not None and can_be_cancelled(registration, session, now)
    return LearnerChoices(
        register=scheduled and unregistered and not closed and allowed,
        registration_closed=scheduled and unregistered and closed,
        invitation_only=scheduled and unregistered and not closed and not allowed,
        cancel=cancellable,
        ask_coordinator=cancellable and cancellation_closed(registration, session, now))


def register(session: WorkshopSession, user: User, now: datetime) -> Registration:
    """Register user, or put them on the waiting list when the session is full; registering again
    returns the existing registration. Raises DomainError (closed), Conflict (cancelled session,
    already attended) or Forbidden (an invitation-only session without an invitation)."""
    lock(session)
    _check_open(session, now)
    registration = find_registration(session.id, user.id)
    if registration and registration.state in (S.REGISTERED, S.WAITLISTED):
        return registration
    _check("register", registration)
    if session.audience is Audience.INVITED and not is_invited(session.id, user.id):
        raise Forbidden(_l("This session is by invitation only."))
    state = S.REGISTERED if taken_places(session.id) < session.capacity else S.WAITLISTED
    if registration is None:
        registration = _insert(session, user, state, now)
    else:
        registration.state, registration.queued_at, registration.updated_at = state, now, now
        registration.cancel_reason = ""
    db.session.flush()
    notify.registration_changed(registration, "registered" if state is S.REGISTERED
                                else "waitlisted", waitlist_position(registration))
    return registration


def _insert(session: WorkshopSession, user: User, state: RegistrationState,
            now: datetime) -> Registration:
    registration = Registration(session_id=session.id, user_id=user.id, state=state, queued_at=now,
                                updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        # The same person registering twice at once: the unique (session, user) constraint keeps one.
        existing = find_registration(session.id, user.id)
        if existing is None:
            raise
        return existing
    return registration


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waitlisted."""
    if registration.state is not S.WAITLISTED:
        return None
    ahead = db.session.scalar(select(func.count()).where(
        Registration.session_id == registration.session_id, Registration.state == S.WAITLISTED,
        (Registration.queued_at < registration.queued_at)
        | ((Registration.queued_at == registration.queued_at) & (Registration.id < registration.id))))
    return (ahead or 0) + 1


def cancel(registration: Registration, now: datetime, reason: str = "",
           by_coordinator: bool = False) -> list[Registration]:
    """Cancel a registration or leave the waiting list; a freed place goes to the first on the
    waiting list. Returns the promoted registrations. Raises Conflict (wrong state) or DomainError
    (the cancellation deadline has passed: only a coordinator can cancel then)."""
    session = lock(registration.session)
    db.session.refresh(registration)
    _check("cancel", registration)
    if not can_be_cancelled(registration, session, now):
        raise Conflict(_l("This session has started or is cancelled; the registration stays."))
    held_place = registration.state is S.REGISTERED
    if not by_coordinator and cancellation_closed(registration, session, now):
        raise DomainError(_l("The deadline for cancelling has passed. Please contact the "
                             "coordinator."))
    registration.state, registration.updated_at = S.CANCELLED, now
    registration.cancel_reason = (reason or "").strip()[:500]
    db.session.flush()
    notify.registration_changed(registration, "cancelled", with_calendar=held_place)
    return promote(session, now) if held_place else []


def promote(session: WorkshopSession, now: datetime) -> list[Registration]:
    """Give free places to the waiting list in the order people joined it (call with the session
    locked); returns the promoted registrations, each told by e-mail."""
    if session.state is SessionState.CANCELLED or now >= session.starts_at:
        return []
    free = session.capacity - taken_places(session.id)
    if free <= 0:
        return []
    waiting = list(db.session.scalars(
        select(Registration).where(Registration.session_id == session.id,
                                   Registration.state == S.WAITLISTED)
        .order_by(Registration.queued_at, Registration.id).limit(free)))
    for registration in waiting:
        registration.state, registration.updated_at = S.REGISTERED, now
    db.session.flush()
    for registration in waiting:
        notify.registration_changed(registration, "promoted")
    return waiting


def mark_attendance(registration: Registration, attended: bool, actor_id: int,
                    now: datetime) -> Registration:
    """Mark attended or no-show (audited). Raises DomainError before the session opens and Conflict
    for a registration that does not hold a place."""
    session = registration.session
    if now < session.starts_at - ATTENDANCE_OPENS:
        raise DomainError(_l("Attendance can be taken from an hour before the session starts."))
    if session.state is SessionState.CANCELLED:
        raise Conflict(_l("This session is cancelled."))
    _check("attend", registration)
    registration.state = S.ATTENDED if attended else S.NO_SHOW
    registration.updated_at = now
    db.session.flush()
    record(actor_id, "workshop.attended" if attended else "workshop.no_show",
           f"registration:{registration.id}", session_id=session.id,
           user_id=registration.user_id)
    if attended:
        events.announce(events.EVIDENCE_CHANGED, registration.user_id, now)
    return registration


def check_in(session: WorkshopSession, user_id: int, now: datetime) -> Registration:
    """Record that a registered person checked in with the session's code (the facilitator confirms
    it later). Raises DomainError outside the session's time, Conflict without a place."""
    if session.state is SessionState.CANCELLED:
        raise Conflict(_l("This session is cancelled."))
    if not session.starts_at - ATTENDANCE_OPENS <= now <= session.ends_at + ATTENDANCE_OPENS:
        raise DomainError(_l("Checking in is possible from an hour before the session until an "
                             "hour after it ends."))
    registration = find_registration(session.id, user_id)
    if registration is None:
        raise Conflict(_l("You are not registered for this session. Please speak to the "
                          "facilitator."))
    _check("check_in", registration)
    registration.checked_in_at = registration.checked_in_at or now
    db.session.flush()
    return registration


def confirm_check_ins(session: WorkshopSession, actor_id: int, now: datetime) -> int:
    """Mark everyone who checked in and is still only registered as attended; returns how many."""
    rows = list(db.session.scalars(select(Registration).where(
        Registration.session_id == session.id, Registration.state == S.REGISTERED,
        Registration.checked_in_at.is_not(None))))
    for registration in rows:
        mark_attendance(registration, True, actor_id, now)
    return len(rows)


def attended_workshops(user_id: int) -> dict[str, date]:
    """workshop slug -> the (Copenhagen) date of the latest session of it the user attended."""
    rows = db.session.execute(
        select(WorkshopSession.workshop_slug, func.max(WorkshopSession.starts_at))
        .join(Registration, Registration.session_id == WorkshopSession.id)
        .where(Registration.user_id == user_id, Registration.state == S.ATTENDED)
        .group_by(WorkshopSession.workshop_slug))
    return {slug: local_date(started) for slug, started in rows}


STATE_LABELS = {
    S.REGISTERED: _l("registered"), S.WAITLISTED: _l("on the waiting list"),
    S.CANCELLED: _l("cancelled"), S.ATTENDED: _l("attended"), S.NO_SHOW: _l("did not show up"),
}
