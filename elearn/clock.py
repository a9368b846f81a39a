"""The one clock: naive UTC datetimes in the database, converted to Europe/Copenhagen for display."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (the form every timestamp column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_date(moment: datetime) -> date:
    """The Copenhagen calendar date of a naive-UTC moment (e.g. "today" for due dates)."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL).date()


def local_midnight(day: date) -> datetime:
    """00:00 Copenhagen time on day, as naive UTC."""
    return datetime.combine(day, time(), tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)
