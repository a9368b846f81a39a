"""Cohort (a named group of people a coordinator manages), Assignment (a path or a module to do by a
due date) and AssignmentNotice (each assignment e-mail goes out once per person)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.extensions import db, enum_values


def _enum(kind) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True, values_callable=enum_values)


class Cohort(db.Model):
    """E.g. "Police recruits, autumn 2027"; belongs to a unit so the unit's coordinators manage it."""

    __tablename__ = "cohort"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CohortMember(db.Model):
    __tablename__ = "cohort_member"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"),
                                           primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TargetKind(enum.StrEnum):
    PATH = "path"
    MODULE = "module"


class Audience(enum.StrEnum):
    PERSON = "person"
    UNIT = "unit"  # the unit and its sub-units, including people who join later
    COHORT = "cohort"  # the cohort's members, including members added later


AUDIENCE_COLUMN = (
    "(audience = 'person' AND user_id IS NOT NULL AND unit_id IS NULL AND cohort_id IS NULL)"
    " OR (audience = 'unit' AND unit_id IS NOT NULL AND user_id IS NULL AND cohort_id IS NULL)"
    " OR (audience = 'cohort' AND cohort_id IS NOT NULL AND user_id IS NULL AND unit_id IS NULL)")


class Assignment(db.Model):
    """Who must do what by when. The audience is resolved when read, so a newcomer to the unit or the
    cohort is assigned too; exactly one of user_id, unit_id and cohort_id is set, as audience says."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_target", "target_kind", "target_slug"),
                      CheckConstraint(AUDIENCE_COLUMN, name="audience_column"))

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[TargetKind] = mapped_column(_enum(TargetKind))
    target_slug: Mapped[str] = mapped_column(String(80))
    audience: Mapped[Audience] = mapped_column(_enum(Audience))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"),
                                                  index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)  # due by the end of this Copenhagen day
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class NoticeKind(enum.StrEnum):
    ASSIGNED = "assigned"
    DUE_SOON = "due-soon"


class AssignmentNotice(db.Model):
    """One row per e-mail due; the unique key makes it go out once, also when two runs overlap."""

    __tablename__ = "assignment_notice"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id",
                                                              ondelete="SET NULL"), index=True)
