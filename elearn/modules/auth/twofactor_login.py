"""The log-in's second step in the cookie session: after a correct password, either a log-in held until
its two-factor code, or a started session (which must set up two-factor first when the site requires it:
see twofactor_views)."""

from __future__ import annotations

import time

from flask import current_app, redirect, session, url_for

from elearn.extensions import db
from elearn.modules.auth import services, twofactor
from elearn.modules.auth.models import User
from elearn.modules.auth.signin import begin

#: {"user": id, "at": unix time of the password, "next": where to go after}: no session is started yet.
PENDING_KEY = "2fa_pending"


def after_password(user: User, next_url: str | None):
    """The response to a correct password: the code step when user has two-factor, else a started
    session (which goes to set-up first when the site requires two-factor for their role)."""
    if twofactor.is_on(user):
        session.clear()
        session[PENDING_KEY] = {"user": user.id, "at": int(time.time()), "next": next_url}
        return redirect(url_for("auth.login_two_factor"))
    begin(user, services.start_session(user))
    db.session.commit()
    if twofactor.required_for(user, current_app.config["REQUIRE_2FA"]):
        return redirect(url_for("auth.two_factor"))
    return redirect(next_url or url_for("core.dashboard"))


def held_user_id() -> int | None:
    """The user whose password was right and whose code is awaited, unless that was too long ago."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if not 0 <= time.time() - pending.get("at", 0) <= twofactor.PENDING_LOGIN_SECONDS:
        return None
    return pending["user"]


def complete(user: User):
    """Start the session for the held log-in (its code was right) and go where it was headed."""
    next_url = session.get(PENDING_KEY, {}).get("next")
    begin(user, services.start_session(user))
    db.session.commit()
    return redirect(next_url or url_for("core.dashboard"))
