"""Recording audit events."""

from __future__ import annotations

from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent


def record(actor_id: int | None, action: str, subject: str, **details) -> AuditEvent:
    """Add an audit event to the current transaction and return it (flushed, not committed)."""
    event = AuditEvent(actor_id=actor_id, action=action, subject=subject, details=details)
    db.session.add(event)
    db.session.flush()
    return event
