"""Starting a log-in in the cookie session, shared by every way of signing in (password, single sign-on)."""

from __future__ import annotations

from flask import session
from flask_login import login_user

SESSION_TOKEN_KEY = "sid"  # noqa: S105  (the session key name)
#: True in a session that began at the identity provider (signed, and only good with its token).
SINGLE_SIGN_ON_KEY = "sso"


def begin(user, token: str, single_sign_on: bool = False) -> None:
    """Renew the cookie session for a fresh log-in: nothing from before survives."""
    session.clear()
    session[SESSION_TOKEN_KEY] = token
    if single_sign_on:
        session[SINGLE_SIGN_ON_KEY] = True
    session.permanent = True
    login_user(user)
