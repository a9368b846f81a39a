"""QuizAttempt (one per attempt, with what applied when it started), its drawn questions and choices."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.extensions import db, enum_values


class AttemptMode(enum.StrEnum):
    GRADED = "graded"
    REFRESHER = "refresher"  # practice: recorded with its score, never counts towards completion


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"
    VOID = "void"  # the quiz changed under an open attempt; not counted, the learner starts afresh


def _enum(kind) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True, values_callable=enum_values)


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        # One open attempt per learner, quiz and mode: a double click or a second tab resumes it.
        Index("uq_quiz_attempt_open", "user_id", "quiz_slug", "mode", unique=True,
              sqlite_where=text("state = 'in-progress'"),
              postgresql_where=text("state = 'in-progress'")),
        Index("ix_quiz_attempt_quiz", "quiz_slug", "mode", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    quiz_slug: Mapped[str] = mapped_column(String(80))
    quiz_version: Mapped[str] = mapped_column(String(20))
    module_slug: Mapped[str] = mapped_column(String(80))
    module_major: Mapped[int] = mapped_column(Integer)
    mode: Mapped[AttemptMode] = mapped_column(_enum(AttemptMode))
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState), default=AttemptState.IN_PROGRESS)
    #: Orders the draw and derives the opaque option values; never leaves the server.
    seed: Mapped[int] = mapped_column(BigInteger)
    pass_mark: Mapped[int] = mapped_column(Integer)
    review_policy: Mapped[str] = mapped_column(String(20))
    per_page: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    score: Mapped[float | None] = mapped_column(Float)  # 0..1
    passed: Mapped[bool | None] = mapped_column(Boolean)


class AttemptQuestion(db.Model):
    """A scored question as drawn for an attempt: where it stands, its option order, the answer."""

    __tablename__ = "attempt_question"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"),
                                            primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: The top-level item's place in the attempt (a scenario's parts share their scenario's).
    item: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # order of scored questions in the attempt
    parent_id: Mapped[str | None] = mapped_column(String(80))
    option_order: Mapped[str] = mapped_column(Text)  # JSON list of option ids as shown
    answer: Mapped[str | None] = mapped_column(Text)  # JSON; None: not answered
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    score: Mapped[float | None] = mapped_column(Float)


class AttemptChoice(db.Model):
    """An option a learner had chosen when the attempt was graded: the item analysis counts these."""

    __tablename__ = "attempt_choice"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"),
                                            primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    option_id: Mapped[str] = mapped_column(String(80), primary_key=True)
