"""Calendar files (RFC 5545) for a session: one VEVENT, times in UTC; STATUS:CANCELLED when it is off
(sent to an attendee: an iTIP CANCEL with ORGANIZER, RFC 5546)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime  # naive UTC
    ends_at: datetime
    summary: str
    location: str
    description: str
    url: str
    cancelled: bool = False
    organizer: str = ""  # e-mail address; needed with an attendee (iTIP REQUEST and CANCEL)
    attendee: str = ""  # e-mail address of the person the file is sent to

    @property
    def method(self) -> str:
        """Sent to one person (attendee and organizer): CANCEL for a cancellation, else REQUEST.
        Otherwise (a download) PUBLISH, also for a cancelled event, which says STATUS:CANCELLED:
        RFC 5546 CANCEL and REQUEST need an ORGANIZER and an ATTENDEE."""
        if not (self.attendee and self.organizer):
            return "PUBLISH"
        return "CANCEL" if self.cancelled else "REQUEST"


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as \\n (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar(event: CalendarEvent, stamp: datetime) -> str:
    """The .ics text (see CalendarEvent.method)."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//elearn//workshops//EN", "CALSCALE:GREGORIAN",
        f"METHOD:{event.method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
        f"DESCRIPTION:{escape(event.description)}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
    ]
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organizer:
        lines.append(f"ORGANIZER:mailto:{event.organizer}")
    if event.attendee:
        lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:"
                     f"mailto:{event.attendee}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
