"""Starting a log-in in the cookie session, shared by every way of signing in (password, single sign-on)."""

from __future__ import annotations

from flask import session
from flask_login import login_user

SESSION_TOKEN_KEY = "sid"  # noqa: S105  (the session key name)


def begin(user, token: str) -> None:
    """Renew the cookie session for a fresh log-in: nothing from before survives."""
    session.clear()
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)
