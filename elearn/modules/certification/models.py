"""CertificateAward (one per learner and path, renewed in place), its AwardRevision history and the
CertificateReminder rows that make each expiry reminder go out once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import User


class CertificateAward(db.Model):
    """A learner's certificate for a path: issued once, renewed in place, maybe revoked."""

    __tablename__ = "certificate_award"
    # Exactly once: two workers completing the last requirement at the same moment make one row.
    __table_args__ = (UniqueConstraint("user_id", "path_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    path_slug: Mapped[str] = mapped_column(String(80), index=True)
    #: EL-XXXX-XXXX-XXXX-XXXX: 80 random bits; printed on the certificate, the key of /verify.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # the first issue
    #: The current revision's dates (copied, so lists and the directory need no join).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    valid_from: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                      index=True)  # deleting a user sets it NULL
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class AwardRevision(db.Model):
    """One issue or renewal of an award: its dates, what it was earned with, and the PDF issued."""

    __tablename__ = "award_revision"
    __table_args__ = (UniqueConstraint("award_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("certificate_award.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first issue, then 2, 3 …
    reason: Mapped[str] = mapped_column(String(20))  # "issued" or "renewed"
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)  # trends
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of pdf, hex


class CertificateReminder(db.Model):
    """An expiry reminder that is due has a row; the unique key makes it go out once."""

    __tablename__ = "certificate_reminder"
    __table_args__ = (UniqueConstraint("award_id", "revision", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("certificate_award.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    days_before: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: None: passed over because a later reminder was due at the same run (one e-mail, not three).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id",
                                                              ondelete="SET NULL"), index=True)
