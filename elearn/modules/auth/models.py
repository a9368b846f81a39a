"""User accounts, their roles, coordinator scopes and server-side log-in sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Enum, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.clock import utcnow
from elearn.extensions import db, enum_values
from elearn.modules.units.models import Unit


class Role(enum.StrEnum):
    LEARNER = "learner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


coordinator_unit = Table(
    "coordinator_unit",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, validate_strings=True,
             values_callable=enum_values), primary_key=True
    )


class User(db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)  # reports sort by it
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: How colleagues reach the person at work (optional; shown in the key-officer directory).
    work_phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    work_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: Two-factor authentication (local accounts): the TOTP secret, encrypted with a key derived from
    #: the app's secret key; set once the person has confirmed a first code.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: The 30-second time step of the last code accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Wrong two-factor codes in a row; at TOTP_LOCK_AFTER the second factor is locked until reset.
    totp_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    #: The identity provider's subject ("sub") once the person has signed on with OpenID Connect.
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: Set when an admin anonymised the account of someone who left (see the privacy feature).
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    scope_units: Mapped[list[Unit]] = relationship(secondary=coordinator_unit)

    # Flask-Login's protocol; the session check itself lives in services.load_session_user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginSession(db.Model):
    """One log-in: the cookie holds a random token, this row its SHA-256, so the server can end it."""

    __tablename__ = "login_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
