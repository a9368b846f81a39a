"""The calendar file follows RFC 5545 and reads back with the icalendar package."""

from datetime import UTC, datetime, timedelta

import icalendar

from elearn.modules.workshops import ics

START = datetime(2026, 11, 27, 8, 0)


def _event(**changes):
    values = {"uid": "workshop-session-7@elearn", "sequence": 3, "starts_at": START,
              "ends_at": START + timedelta(hours=3),
              "summary": "Samtalen med udøveren; samtykke, henvisning\\DSC",
              "location": "Horsens politistation, mødelokale 2",
              "description": "Linje et\nLinje to " + "ø" * 80, "url": "https://elearn.example/s/7"}
    return ics.CalendarEvent(**{**values, **changes})


def test_calendar_file_reads_back_with_the_same_values():
    text = ics.calendar(_event(organizer="noreply@politi.example", attendee="mette@politi.example"),
                        datetime(2026, 11, 1, 12, 0))
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "workshop-session-7@elearn"
    assert event["SEQUENCE"] == 3
    assert event.decoded("DTSTART") == START.replace(tzinfo=UTC)
    assert event.decoded("DTEND") == START.replace(tzinfo=UTC) + timedelta(hours=3)
    assert event.decoded("DTSTAMP") == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Samtalen med udøveren; samtykke, henvisning\\DSC"
    assert str(event["LOCATION"]) == "Horsens politistation, mødelokale 2"
    assert str(event["DESCRIPTION"]) == "Linje et\nLinje to " + "ø" * 80
    assert str(event["ORGANIZER"]) == "mailto:noreply@politi.example"
    assert str(event["ATTENDEE"]) == "mailto:mette@politi.example"


def test_a_download_is_published_without_people():
    calendar = icalendar.Calendar.from_ical(ics.calendar(_event(), START))
    assert calendar["METHOD"] == "PUBLISH"
    assert "ORGANIZER" not in calendar.walk("VEVENT")[0]


def test_lines_are_folded_at_75_octets_with_crlf():
    text = ics.calendar(_event(), datetime(2026, 11, 1, 12, 0))
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "\r\n " in text  # the long description was folded
    text.encode("utf-8").decode("utf-8")  # no character was split


def test_a_cancelled_event_says_so_twice():
    calendar = icalendar.Calendar.from_ical(ics.calendar(_event(
        cancelled=True, organizer="noreply@politi.example", attendee="mette@politi.example"), START))
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_a_cancelled_download_is_published_with_its_status():
    calendar = icalendar.Calendar.from_ical(ics.calendar(_event(cancelled=True), START))
    assert calendar["METHOD"] == "PUBLISH"  # RFC 5546: CANCEL needs ORGANIZER and ATTENDEE
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
