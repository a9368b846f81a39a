"""Password hashing with Argon2id (the profile is lighter in tests, never in production), and the list
of common passwords that are refused."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

PROFILES = {
    # argon2-cffi's RFC 9106 low-memory defaults: about 50 ms and 64 MiB per hash.
    "strong": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def _hasher() -> PasswordHasher:
    return PROFILES[current_app.config["PASSWORD_HASH_PROFILE"]]


def normalized(password: str) -> str:
    """password in Unicode NFKC (NIST SP 800-63B 5.1.1.2), so that "é" typed as one character or as
    e and an accent, on any keyboard, is the same password."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher().hash(normalized(password))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when password matches; a missing hash (no password set) never matches. Hashes made before
    passwords were normalised (NFKC) were made from the password as typed, so that is tried too."""
    if not password_hash:
        _hasher().hash(password)  # spend the same time as a real check
        return False
    form = normalized(password)
    return _matches(password_hash, form) or (form != password and _matches(password_hash, password))


@cache
def common_passwords() -> frozenset[str]:
    """The vendored list of common passwords, lower-cased (read once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
