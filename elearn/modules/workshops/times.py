"""Session times: entered and shown in Europe/Copenhagen, stored as naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from elearn.errors import DomainError

LOCAL = ZoneInfo("Europe/Copenhagen")


def to_utc(day: date, at: time) -> datetime:
    """A Copenhagen wall-clock time as naive UTC (the earlier of two at the autumn change); raises
    DomainError for a date at the very edge of the calendar (year 1 or 9999)."""
    try:
        return datetime.combine(day, at, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise DomainError(_l("Choose a date between the years 2000 and 2100.")) from None


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC time as an aware Copenhagen time."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()
