"""The one clock: naive UTC datetimes in the database, converted to Europe/Copenhagen for display."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (the form every timestamp column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)
