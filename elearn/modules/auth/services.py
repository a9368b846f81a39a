"""Account rules: creating and editing users, logging in and out, and ending sessions on the server."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, bindparam, func, select, text, update

from elearn.clock import utcnow
from elearn.config import LOCALES
from elearn.errors import Conflict, DomainError, Forbidden, NotFound
from elearn.extensions import db, read_connection
from elearn.modules.auth.models import LoginSession, Role, User, UserRole, coordinator_unit
from elearn.modules.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    common_passwords,
    hash_password,
    verify_password,
)
from elearn.modules.auth.principal import Principal
from elearn.modules.units.models import Unit
from elearn.modules.units.services import get_unit, subtree_ids


class InvalidCredentials(DomainError):
    status = 401


def normalize_email(email: str) -> str:
    """The address lower-cased and checked for shape; raises DomainError when malformed."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(_l("This is not a valid e-mail address."), field="email") from error
    return result.normalized.lower()


def _folded(text: str) -> str:
    return "".join(text.lower().split())


def check_password_rules(password: str, email: str = "", name: str = "") -> None:
    """Raises DomainError unless password follows NIST SP 800-63B: MIN_LENGTH to MAX_LENGTH characters
    (spaces welcome, no rules on kinds of characters), not a common password (ignoring case and
    spaces), not the person's own e-mail address or name, not one character repeated."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            _l("Use at least %(count)d characters; a few words in a row are easy to remember.",
               count=MIN_LENGTH), field="password")
    if len(password) > MAX_LENGTH:
        raise DomainError(_l("Use at most %(count)d characters.", count=MAX_LENGTH),
                          field="password")
    folded = _folded(password)
    if len(set(password)) == 1:
        raise DomainError(_l("One character repeated is too easy to guess."), field="password")
    if password.lower() in common_passwords() or folded in common_passwords():
        raise DomainError(_l("This is one of the most common passwords, which are tried first. "
                             "Choose another, e.g. a few words that belong together only for you."),
                          field="password")
    personal = {_folded(email), _folded(email.partition("@")[0]), _folded(name)} - {""}
    if folded in personal:
        raise DomainError(_l("Do not use your name or e-mail address as your password."),
                          field="password")


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    return user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _unique_email(email: str, user_id: int | None) -> str:
    email = normalize_email(email)
    clash = find_user_by_email(email)
    if clash is not None and clash.id != user_id:
        raise Conflict(_l("Another account already uses this e-mail address."), field="email")
    return email


def _check_locale(locale: str | None) -> str | None:
    if locale and locale not in LOCALES:
        raise DomainError(_l("Unknown language."), field="locale")
    return locale or None


def set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    have = {row.role for row in user.role_rows}
    user.role_rows.extend(UserRole(role=role) for role in wanted - have)


def create_user(name: str, email: str, roles: Iterable[Role], unit_id: int | None = None,
                password: str | None = None, locale: str | None = None) -> User:
    """A new active account (flushed); raises DomainError/Conflict on a bad or taken e-mail."""
    if not name.strip():
        raise DomainError(_l("A name is required."), field="name")
    user = User(name=name.strip(), email=_unique_email(email, None), active=True,
                locale=_check_locale(locale), unit_id=get_unit(unit_id).id if unit_id else None)
    set_roles(user, roles)
    if password is not None:
        require_local_login()
        check_password_rules(password, user.email, user.name)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, name: str, email: str, unit_id: int | None, roles: Iterable[Role],
                locale: str | None, scope_unit_ids: Iterable[int] = ()) -> User:
    """Edit an account's details, roles and coordinator scope; roles apply from the next request."""
    if not name.strip():
        raise DomainError(_l("A name is required."), field="name")
    user.name = name.strip()
    user.email = _unique_email(email, user.id)
    user.unit_id = get_unit(unit_id).id if unit_id else None
    user.locale = _check_locale(locale)
    set_roles(user, roles)
    user.scope_units = [get_unit(unit_id) for unit_id in scope_unit_ids]
    db.session.flush()
    return user


def require_local_login() -> None:
    """Raises Forbidden when local passwords are switched off (LOCAL_LOGIN: single sign-on only)."""
    if not current_app.config["LOCAL_LOGIN"]:
        raise Forbidden(_l("Passwords are switched off on this site: everyone logs in with single "
                           "sign-on."), field="password")


def set_password(user: User, password: str) -> None:
    """Set a new password and end every session of the user on the server."""
    require_local_login()
    check_password_rules(password, user.email, user.name)
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def change_password(user: User, current: str, new: str) -> str:
    """Check the current password, set the new one, end all sessions; returns a fresh session token."""
    if not verify_password(user.password_hash, current):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    set_password(user, new)
    return start_session(user)


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate; deactivation ends every session of the user at once."""
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials; raises InvalidCredentials with one message for all causes."""
    user = find_user_by_email(email)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        raise InvalidCredentials(_l("The e-mail address or the password is not correct."))
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """Record a new log-in for user and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id))
    user.last_login_at = utcnow()
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(update(LoginSession)
                           .where(LoginSession.token_hash == _token_hash(token))
                           .values(ended_at=utcnow()))


def end_all_sessions(user: User) -> None:
    db.session.execute(update(LoginSession)
                       .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
                       .values(ended_at=utcnow()))


# Runs on every request: plain SQL, so SQLAlchemy need not derive a cache key from a statement tree
# each time (that walk cost more than the query). Portable: "user" is quoted for PostgreSQL.
_SESSION_USER = text(
    'SELECT u.id, u.name, u.email, u.locale, u.unit_id, unit.name, r.role, '
    'u.password_hash IS NOT NULL, u.totp_secret IS NOT NULL '
    'FROM "user" AS u '
    'JOIN login_session AS s ON s.user_id = u.id '
    'LEFT OUTER JOIN unit ON unit.id = u.unit_id '
    'LEFT OUTER JOIN user_role AS r ON r.user_id = u.id '
    'WHERE u.id = :user_id AND u.active AND s.token_hash = :token_hash '
    'AND s.ended_at IS NULL AND s.created_at > :not_before'
).bindparams(bindparam("not_before", type_=DateTime))


def load_session_user(user_id: str, token: str | None, lifetime: timedelta,
                      single_sign_on: bool = False) -> Principal | None:
    """The active user whose live session this token is, or None (ended, expired, foreign, forged).
    single_sign_on: the session began at the identity provider (kept in the signed cookie).

    A session lives at most lifetime from log-in, whatever the cookie says.

    Runs on every request, so it is one light query (user, unit and roles together) returning a
    frozen Principal rather than ORM objects; roles are therefore always current.
    """
    if not token or not user_id.isdigit():
        return None
    rows = read_connection().execute(
        _SESSION_USER, {"user_id": int(user_id), "token_hash": _token_hash(token),
                        "not_before": utcnow() - lifetime}).all()
    if not rows:
        return None
    first = rows[0]
    roles = frozenset(Role(row[6]) for row in rows if row[6] is not None)
    return Principal(first[0], first[1], first[2], first[3], first[4], first[5], roles,
                     has_password=bool(first[7]), two_factor_on=bool(first[8]),
                     single_sign_on=single_sign_on)


def set_locale(user_id: int, locale: str | None) -> User:
    """Save the user's preferred language (None: follow the browser); returns the user."""
    user = get_user(user_id)
    user.locale = _check_locale(locale)
    db.session.flush()
    return user


#: Digits and spaces, maybe a leading +, and 8 to 15 digits (a Danish number has 8; E.164 at most
#: 15): the directory turns it into a tel: link, which must dial.
PHONE = re.compile(r"^\+?[0-9 ]+$")
PHONE_DIGITS = range(8, 16)


def set_contact(user: User, work_phone: str, work_email: str) -> User:
    """Save how colleagues reach the person at work (both optional; shown in the key-officer
    directory). Raises DomainError for a malformed number or address."""
    phone = " ".join((work_phone or "").split())
    if phone and not (PHONE.match(phone) and sum(c.isdigit() for c in phone) in PHONE_DIGITS):
        raise DomainError(_l("Write the number with digits, e.g. +45 76 28 14 48."),
                          field="work_phone")
    email = (work_email or "").strip()
    user.work_phone = phone
    try:
        user.work_email = normalize_email(email) if email else ""
    except DomainError as error:
        raise DomainError(error.message, field="work_email") from None
    db.session.flush()
    return user


def scope_unit_ids(user: User | Principal) -> set[int] | None:
    """The units a coordinator manages (None means all, for admins).

    A coordinator's scope is the subtrees of their scope units, else of their own unit.
    """
    if user.has_role(Role.ADMIN):
        return None
    if not user.has_role(Role.COORDINATOR):
        return set()
    roots = list(db.session.scalars(select(coordinator_unit.c.unit_id)
                                    .where(coordinator_unit.c.user_id == user.id)))
    return subtree_ids(roots or ([user.unit_id] if user.unit_id else []))


def members_of(unit_ids: set[int]):
    """A subquery of the ids of the users in the units, for other features' set-based queries."""
    return select(User.id).where(User.unit_id.in_(unit_ids))


def lock_user(user_id: int) -> None:
    """Hold the user's row until the transaction ends, so that one person's concurrent requests that
    check-then-write take turns (a no-op on SQLite, which has one writer at a time anyway)."""
    # FOR NO KEY UPDATE: it does not block the foreign-key checks of rows that refer to the user.
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


def member_count(unit: Unit) -> int:
    return db.session.scalar(select(func.count()).where(User.unit_id == unit.id)) or 0
