"""WorkshopSession, Registration, Invitation, Feedback and KnowledgeNeed rows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.clock import utcnow
from elearn.extensions import db, enum_values
from elearn.modules.auth.models import User
from elearn.modules.units.models import Unit


def _enum(enum_class):
    return Enum(enum_class, native_enum=False, length=20, validate_strings=True,
                values_callable=enum_values)


class SessionState(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Audience(enum.StrEnum):
    OPEN = "open"  # anyone may register
    INVITED = "invited"  # only invited people may register


class RegistrationState(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class NeedStatus(enum.StrEnum):
    NEW = "new"
    PLANNED = "planned"
    ADDRESSED = "addressed"
    DECLINED = "declined"


class WorkshopSession(db.Model):
    """One scheduled run of a workshop; times are naive UTC. Never deleted, only cancelled."""

    __tablename__ = "workshop_session"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_slug: Mapped[str] = mapped_column(String(80), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                       index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    audience: Mapped[Audience] = mapped_column(_enum(Audience), default=Audience.OPEN)
    registration_deadline: Mapped[datetime] = mapped_column(DateTime)
    cancellation_deadline: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[SessionState] = mapped_column(_enum(SessionState),
                                                default=SessionState.SCHEDULED)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    #: Raised by every change to the session or its registrations: it is the row that registration
    #: changes lock, and the calendar file's SEQUENCE.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id], lazy="joined")


class Registration(db.Model):
    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),
                      Index("ix_registration_session_state", "session_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    state: Mapped[RegistrationState] = mapped_column(_enum(RegistrationState))
    #: When the person (re-)joined: the waiting list's order.
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    session: Mapped[WorkshopSession] = relationship()
    user: Mapped[User] = relationship(lazy="joined")


class Invitation(db.Model):
    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),
                      CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    rating: Mapped[int] = mapped_column(Integer)
    useful: Mapped[str] = mapped_column(Text, default="")
    missing: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class KnowledgeNeed(db.Model):
    """A person's "what I need to learn", seen by the coordinators of their unit."""

    __tablename__ = "knowledge_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"),
                                                index=True)
    topic: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text, default="")
    workshop_slug: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus), default=NeedStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship(lazy="joined")
