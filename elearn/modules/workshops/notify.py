"""E-mail about sessions and registrations, queued in the outbox with a calendar file."""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app
from flask_babel import format_date, format_time

from elearn.clock import utcnow
from elearn.i18n import in_locale
from elearn.modules.outbox.services import (
    Attachment,
    absolute_url,
    queue_message,
    recipient_locale,
    site_host,
)
from elearn.modules.workshops import ics
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.times import to_local

#: The kinds of registration e-mail that carry a calendar file, and whether it cancels the event.
CALENDAR = {"registered": False, "promoted": False, "moved": False, "cancelled": True,
            "session_cancelled": True}


def title(session, locale: str) -> str:
    workshop = workshops().get(session.workshop_slug)
    return workshop.text(locale).title if workshop else session.workshop_slug


def when(session) -> str:
    """'27. november 2026, 09:00–12:00' in the current language, Copenhagen time."""
    start, end = to_local(session.starts_at), to_local(session.ends_at)
    day = format_date(start, "long")
    if start.date() != end.date():
        return f"{day}, {format_time(start, 'HH:mm')} – {format_date(end, 'long')}, " \
               f"{format_time(end, 'HH:mm')}"
    return f"{day}, {format_time(start, 'HH:mm')}–{format_time(end, 'HH:mm')}"


def location(session) -> str:
    return ", ".join(part for part in (session.place, session.online_url) if part)


def calendar_uid(session) -> str:
    """The session's UID in every calendar file: unique across installations (BASE_URL's host)."""
    return f"workshop-session-{session.id}@{site_host()}"


def calendar_event(session, locale: str, cancelled: bool = False,
                   attendee: str = "") -> ics.CalendarEvent:
    url = absolute_url("workshops.session", session_id=session.id)
    workshop = workshops().get(session.workshop_slug)
    summary = workshop.text(locale).summary if workshop else ""
    return ics.CalendarEvent(
        uid=calendar_uid(session), sequence=session.revision,
        starts_at=session.starts_at, ends_at=session.ends_at, summary=title(session, locale),
        location=location(session), description=f"{summary}\n{url}".strip(), url=url,
        cancelled=cancelled or session.state.value == "cancelled",
        organizer=parseaddr(current_app.config["SMTP_FROM"])[1] if attendee else "",
        attendee=attendee)


def calendar_file(session, locale: str, cancelled: bool = False, attendee: str = "") -> str:
    """The session's .ics: PUBLISH for a download (STATUS:CANCELLED when it is off), REQUEST (or
    CANCEL) when sent to attendee."""
    return ics.calendar(calendar_event(session, locale, cancelled, attendee), utcnow())


def _attachment(session, user, kind: str, with_calendar: bool) -> tuple[Attachment, ...]:
    if kind not in CALENDAR or not with_calendar:
        return ()
    event = calendar_event(session, recipient_locale(user), CALENDAR[kind], user.email)
    return (Attachment(f"workshop-{session.id}.ics", f"text/calendar; method={event.method}",
                       ics.calendar(event, utcnow())),)


def send(user, session, kind: str, with_calendar: bool = True, **context) -> None:
    """Queue the e-mail of kind (a template in workshops/mail/) to user about session, with a
    calendar file for the kinds that change a booking (unless with_calendar is False: people on the
    waiting list have nothing in their calendar)."""
    with in_locale(recipient_locale(user)):
        details = {"title": title(session, recipient_locale(user)), "when": when(session),
                   "location": location(session)}
    queue_message(user, f"workshops/mail/{kind}.txt",
                  _attachment(session, user, kind, with_calendar),
                  session=session, url=absolute_url("workshops.session", session_id=session.id),
                  **details, **context)


def registration_changed(registration, kind: str, position: int | None = None,
                         with_calendar: bool = True) -> None:
    send(registration.user, registration.session, kind, with_calendar, position=position)
