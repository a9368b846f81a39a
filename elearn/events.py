"""Announcements that a feature low in the dependency order makes and a later one acts on.

progress, quizzes and workshops must not import certification (it builds on them), yet a quiz passed
or a workshop attended can complete a certificate. So they announce `EVIDENCE_CHANGED` for the
learner, and create_app subscribes certification's evaluation: the wiring is in one visible place,
the imports stay one-way, and the handler runs inside the same transaction as the change (an award
is committed together with the quiz pass that earned it).

Each handler runs in its own savepoint: when it fails (a bug in evaluation, a PDF that will not
render) its work is rolled back and the exception logged, and the learner's own change still
commits; nothing is lost, because `elearn certification run` evaluates everyone daily.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from elearn.clock import utcnow
from elearn.extensions import db

EXTENSION_KEY = "elearn.events"
#: A learner's progress, quiz results or attendance changed: handler(user_id, now).
EVIDENCE_CHANGED = "evidence-changed"


def subscribe(app: Flask, event: str, handler: Callable[[int, datetime], object]) -> None:
    app.extensions.setdefault(EXTENSION_KEY, {}).setdefault(event, []).append(handler)


def announce(event: str, user_id: int, now: datetime | None = None) -> None:
    """Call the event's handlers, in the caller's transaction, in the order they subscribed; one
    that raises is rolled back to its savepoint and logged, never the caller's change."""
    now = now or utcnow()
    for handler in current_app.extensions.get(EXTENSION_KEY, {}).get(event, ()):
        try:
            with db.session.begin_nested():
                handler(user_id, now)
        except Exception:  # a follower's bug must not undo the learner's quiz pass or attendance
            current_app.logger.exception("%s: %s failed for user %s; the daily run will catch up",
                                         event, getattr(handler, "__qualname__", handler), user_id)
