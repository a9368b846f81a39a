"""Announcements that a feature low in the dependency order makes and a later one acts on.

progress, quizzes and workshops must not import certification (it builds on them), yet a quiz passed
or a workshop attended can complete a certificate. So they announce `EVIDENCE_CHANGED` for the
learner, and create_app subscribes certification's evaluation: the wiring is in one visible place,
the imports stay one-way, and the handler runs inside the same transaction as the change (an award
is committed together with the quiz pass that earned it, or not at all).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from elearn.clock import utcnow

EXTENSION_KEY = "elearn.events"
#: A learner's progress, quiz results or attendance changed: handler(user_id, now).
EVIDENCE_CHANGED = "evidence-changed"


def subscribe(app: Flask, event: str, handler: Callable[[int, datetime], object]) -> None:
    app.extensions.setdefault(EXTENSION_KEY, {}).setdefault(event, []).append(handler)


def announce(event: str, user_id: int, now: datetime | None = None) -> None:
    """Call the event's handlers, in the caller's transaction, in the order they subscribed."""
    for handler in current_app.extensions.get(EXTENSION_KEY, {}).get(event, ()):
        handler(user_id, now or utcnow())
