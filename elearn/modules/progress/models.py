"""ModuleProgress (one summary row per learner, module and major version, which the reports read) and
SectionRead rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearn.clock import utcnow
from elearn.extensions import db


class ModuleProgress(db.Model):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_slug", "major_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    major_version: Mapped[int] = mapped_column(Integer)
    #: The full version ("2.1") the learner last read; tells whether a minor update came since.
    version: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # trends by month
    #: When the module's quiz was first passed at this major version (completion needs it too).
    quiz_passed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_section_id: Mapped[str | None] = mapped_column(String(80))
    #: The best graded quiz score (0..1) at this major version, kept as attempts are submitted, so the
    #: reports read one row per learner and module instead of every attempt.
    best_score: Mapped[float | None] = mapped_column(Float)


class SectionRead(db.Model):
    __tablename__ = "section_read"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    major_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
