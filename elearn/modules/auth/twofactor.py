"""Two-factor authentication with TOTP (RFC 6238) for local accounts: set up, check, turn off, reset.

The shared secret is stored encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`)
under a key derived from the app's SECRET_KEY with HKDF-SHA256, so a copy of the database alone does not
give the secrets away. Changing SECRET_KEY therefore makes every stored secret unreadable: each person
must then be reset (`elearn users reset-2fa EMAIL`) and set up again.

After LOCK_AFTER wrong codes in a row the second factor is locked until an administrator resets it, so
the rate limit per few minutes cannot be outlasted by guessing slowly for weeks.

A code is accepted once: only for a time step later than the last one accepted for the account, and
the step is stored by one conditional UPDATE, so two requests (on two app servers) racing with the same
code cannot both succeed.
"""

from __future__ import annotations

import base64
import hmac
import logging
import time
from functools import lru_cache

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from elearn.clock import utcnow
from elearn.errors import DomainError, Forbidden
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth.models import Role, User
from elearn.modules.auth.passwords import verify_password
from elearn.modules.auth.services import end_all_sessions
from elearn.modules.outbox.services import absolute_url, queue_message

log = logging.getLogger("elearn.auth")

#: Codes from one step before or after the server's current 30-second step are accepted too (clock
#: drift between phone and server, and the time it takes to type).
VALID_WINDOW = 1
#: How long after a correct password the code may be entered.
PENDING_LOGIN_SECONDS = 5 * 60
ROLES_THAT_MAY_BE_REQUIRED = (Role.ADMIN, Role.COORDINATOR)
#: Wrong codes in a row after which only an administrator's reset opens the second factor again.
LOCK_AFTER = 10


@lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"elearn totp secret v1").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> Fernet:
    return _fernet_for(str(current_app.config["SECRET_KEY"]))


def seal(secret: str) -> str:
    """The secret encrypted (for the database, or the session during set-up)."""
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str | None) -> str | None:
    """The secret sealed, or None when it cannot be read (missing, tampered, or another SECRET_KEY)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def new_secret() -> str:
    """A fresh random secret: 32 base32 characters, 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def readable(secret: str) -> str:
    """The secret in groups of four, for typing into an app that cannot scan."""
    return " ".join(secret[start:start + 4] for start in range(0, len(secret), 4))


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def is_on(user: User) -> bool:
    return user.totp_secret is not None


def is_locked(user: User) -> bool:
    return user.totp_failures >= LOCK_AFTER


def locked() -> DomainError:
    return Forbidden(_l("Two-factor authentication is locked after too many wrong codes. Please ask an "
                        "administrator to reset it; you then set it up again."), field="code")


def _tell(user: User, change: str) -> None:
    """E-mail the person about a change to their second factor (on, off, reset, locked), so that one
    made by someone else does not go unnoticed."""
    queue_message(user, "auth/mail/two_factor.txt", change=change, url=absolute_url("auth.account"))


def _count_failure(user: User) -> None:
    """One more wrong code in a row (one UPDATE, so concurrent requests all count); at LOCK_AFTER the
    lock is audited and the person told."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(totp_failures=User.totp_failures + 1)
                       .execution_options(synchronize_session=False))
    db.session.refresh(user, ["totp_failures"])
    if user.totp_failures == LOCK_AFTER:
        log.warning("two-factor locked after %s wrong codes user_id=%s", LOCK_AFTER, user.id)
        record(None, "user.2fa_locked", f"user:{user.id}", failures=LOCK_AFTER)
        _tell(user, "locked")


def require_password(user: User) -> None:
    """Raises Forbidden for an account without a password (one that signs on through the identity
    provider, whose own multi-factor policy applies)."""
    if not user.password_hash:
        raise Forbidden(_l("Two-factor authentication here protects log-ins with a password, and "
                           "your account has none."))


def must_set_up(person, require_2fa: bool) -> bool:
    """Whether the logged-in person (a Principal, read from the database on every request) may do
    nothing but set up two-factor: the site requires it for their role, this session began with their
    password (not single sign-on) and they have none yet."""
    return bool(require_2fa and person.has_password and not person.single_sign_on
                and not person.two_factor_on and person.has_role(*ROLES_THAT_MAY_BE_REQUIRED))


def required_for(user: User, require_2fa: bool) -> bool:
    """Whether the site's REQUIRE_2FA applies to user: admins and coordinators with a local password."""
    return bool(require_2fa and user.password_hash and user.has_role(*ROLES_THAT_MAY_BE_REQUIRED))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (within the valid window) whose code is code, or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user_id: int, step: int) -> bool:
    """Record step as the account's last used one, unless it (or a later one) was used already."""
    result = db.session.execute(
        update(User).where(User.id == user_id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    return result.rowcount == 1


def accept_code(user: User, code: str, now: float | None = None) -> bool:
    """True when code is a current code of user's authenticator that has not been used before; the
    step is then used up (flushed; the caller commits). A wrong code counts towards the lock (see
    LOCK_AFTER; the caller commits that too); a locked account accepts no code. Failures are logged,
    never the code."""
    if is_locked(user):
        log.warning("two-factor code refused user_id=%s locked=True", user.id)
        return False
    secret = unseal(user.totp_secret)
    if secret is None:
        if user.totp_secret:
            log.error("two-factor secret unreadable user_id=%s (SECRET_KEY changed?)", user.id)
        return False
    step = matching_step(secret, code, now)
    if step is not None and _claim_step(user.id, step):
        db.session.expire(user, ["totp_last_step"])
        user.totp_failures = 0
        return True
    log.warning("two-factor code refused user_id=%s reused=%s", user.id, step is not None)
    _count_failure(user)
    return False


def _check_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise DomainError(_l("The password is not correct."), field="password")


def wrong_code() -> DomainError:
    return DomainError(_l("The code is not correct or has been used. Enter the newest 6-digit code "
                          "from your authenticator app."), field="code")


def enable(user: User, sealed_secret: str | None, password: str, code: str,
           now: float | None = None) -> User:
    """Switch two-factor on with the secret shown at set-up, once the person proves they have it (a
    current code) and that it is them (their password); returns user. Raises DomainError."""
    secret = unseal(sealed_secret)
    if secret is None:
        raise DomainError(_l("The set-up has expired. Scan the new QR code and try again."),
                          field="code")
    _check_password(user, password)
    step = matching_step(secret, code, now)
    if step is None:
        raise wrong_code()
    user.totp_secret = seal(secret)
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    user.totp_failures = 0
    record(user.id, "user.2fa_enable", f"user:{user.id}")
    _tell(user, "on")
    db.session.flush()
    return user


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    user.totp_failures = 0


def disable(user: User, password: str, code: str, require_2fa: bool) -> User:
    """Switch two-factor off at the person's own request (password and a current code); returns user.
    Raises DomainError, also when the site requires it for their role."""
    if required_for(user, require_2fa):
        raise DomainError(_l("Two-factor authentication is required for your role."))
    _check_password(user, password)
    if not accept_code(user, code):
        raise wrong_code()
    _clear(user)
    record(user.id, "user.2fa_disable", f"user:{user.id}")
    _tell(user, "off")
    db.session.flush()
    return user


def reset(actor_id: int | None, user: User) -> None:
    """Recovery for a lost phone: switch user's two-factor off and end all their sessions, audited
    (actor None: from the command line). They set it up again at their next log-in if required."""
    _clear(user)
    end_all_sessions(user)
    record(actor_id, "user.2fa_reset", f"user:{user.id}")
    _tell(user, "reset")
    db.session.flush()
