"""Read-only lists for the pages: a learner's sessions, the coordinator's overview, CSV rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from elearn.cells import neutralise
from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.workshops.models import (
    Audience,
    Feedback,
    Invitation,
    Registration,
    RegistrationState,
    SessionState,
    WorkshopSession,
)
from elearn.modules.workshops.services import Counts, counts


@dataclass(frozen=True)
class SessionRow:
    session: WorkshopSession
    counts: Counts
    my_state: RegistrationState | None = None
    invited: bool = False

    @property
    def fill_percent(self) -> int:
        return min(100, round(100 * self.counts.registered / self.session.capacity))

    @property
    def full(self) -> bool:
        return self.counts.registered >= self.session.capacity


def _rows(sessions: list[WorkshopSession], user_id: int | None = None) -> list[SessionRow]:
    tally = counts(s.id for s in sessions)
    mine, invited = {}, set()
    if user_id is not None and sessions:
        ids = [s.id for s in sessions]
        mine = dict(db.session.execute(select(Registration.session_id, Registration.state).where(
            Registration.user_id == user_id, Registration.session_id.in_(ids))).all())
        invited = set(db.session.scalars(select(Invitation.session_id).where(
            Invitation.user_id == user_id, Invitation.session_id.in_(ids))))
    return [SessionRow(s, tally[s.id], mine.get(s.id), s.id in invited) for s in sessions]


def sessions_for_learner(user_id: int, now: datetime) -> list[SessionRow]:
    """Upcoming sessions the user may join (open ones, ones they are invited to) or is in."""
    mine = select(Registration.session_id).where(Registration.user_id == user_id)
    invited = select(Invitation.session_id).where(Invitation.user_id == user_id)
    stmt = (select(WorkshopSession).where(
        WorkshopSession.ends_at >= now,
        or_(WorkshopSession.id.in_(mine),
            (WorkshopSession.state == SessionState.SCHEDULED)
            & or_(WorkshopSession.audience == Audience.OPEN, WorkshopSession.id.in_(invited))))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id))
    return _rows(list(db.session.scalars(stmt)), user_id)


def can_see(session: WorkshopSession, user_id: int) -> bool:
    """Whether a learner may open the session's page: open, invited or registered."""
    if session.audience is Audience.OPEN:
        return True
    return db.session.scalar(select(Invitation.id).where(
        Invitation.session_id == session.id, Invitation.user_id == user_id)) is not None or \
        db.session.scalar(select(Registration.id).where(
            Registration.session_id == session.id, Registration.user_id == user_id)) is not None


def past_attended(user_id: int) -> list[SessionRow]:
    """Sessions the user attended, newest first (for feedback links)."""
    stmt = (select(WorkshopSession).join(Registration, Registration.session_id == WorkshopSession.id)
            .where(Registration.user_id == user_id, Registration.state == RegistrationState.ATTENDED)
            .order_by(WorkshopSession.starts_at.desc()))
    return _rows(list(db.session.scalars(stmt)), user_id)


def sessions_in_scope(scope: set[int] | None, now: datetime, past: bool = False) -> list[SessionRow]:
    """The coordinator's sessions (all units when scope is None): upcoming ones soonest first, or
    past ones newest first."""
    stmt = select(WorkshopSession)
    if scope is not None:
        stmt = stmt.where(WorkshopSession.unit_id.in_(scope))
    if past:
        stmt = stmt.where(WorkshopSession.ends_at < now).order_by(WorkshopSession.starts_at.desc())
    else:
        stmt = stmt.where(WorkshopSession.ends_at >= now).order_by(WorkshopSession.starts_at)
    return _rows(list(db.session.scalars(stmt.limit(500))))


def registrations(session_id: int) -> list[Registration]:
    """Everyone on the session: places first, then the waiting list in order, then cancellations."""
    order = {RegistrationState.REGISTERED: 0, RegistrationState.ATTENDED: 0,
             RegistrationState.NO_SHOW: 0, RegistrationState.WAITLISTED: 1,
             RegistrationState.CANCELLED: 2}
    rows = db.session.scalars(select(Registration).where(Registration.session_id == session_id)
                              .order_by(Registration.queued_at, Registration.id))
    return sorted(rows, key=lambda r: (order[r.state], r.user.name.lower() if order[r.state] == 0
                                       else ""))


def invitees(session_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Invitation, Invitation.user_id == User.id)
                                   .where(Invitation.session_id == session_id).order_by(User.name)))


@dataclass(frozen=True)
class Dashboard:
    registrations: list[SessionRow]
    invitations: list[SessionRow]
    feedback_due: list[WorkshopSession]


#: How long after a session its attendees are reminded on the dashboard to give feedback.
FEEDBACK_WINDOW = timedelta(days=30)


def dashboard(user_id: int, now: datetime) -> Dashboard:
    """The user's upcoming registrations, the invitations they have not answered, and the recent
    sessions they attended without giving feedback yet."""
    rows = [row for row in sessions_for_learner(user_id, now)
            if row.session.state is SessionState.SCHEDULED]
    given = select(Feedback.session_id).where(Feedback.user_id == user_id)
    due = db.session.scalars(
        select(WorkshopSession).join(Registration, Registration.session_id == WorkshopSession.id)
        .where(Registration.user_id == user_id, Registration.state == RegistrationState.ATTENDED,
               WorkshopSession.starts_at >= now - FEEDBACK_WINDOW, WorkshopSession.id.not_in(given))
        .order_by(WorkshopSession.starts_at.desc()))
    return Dashboard([r for r in rows if r.my_state in (RegistrationState.REGISTERED,
                                                        RegistrationState.WAITLISTED)],
                     [r for r in rows if r.invited and r.my_state is None], list(due))


def csv_text(header: list[str], rows) -> str:
    """CSV with a BOM (so Excel reads UTF-8), every cell neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def attendance_rows(scope: set[int] | None, session_id: int | None = None):
    """(session, registration) pairs for the attendance export, scoped to the unit ids."""
    stmt = (select(WorkshopSession, Registration)
            .join(Registration, Registration.session_id == WorkshopSession.id)
            .order_by(WorkshopSession.starts_at, WorkshopSession.id, Registration.queued_at))
    if scope is not None:
        stmt = stmt.where(WorkshopSession.unit_id.in_(scope))
    if session_id is not None:
        stmt = stmt.where(WorkshopSession.id == session_id)
    return db.session.execute(stmt).all()
