"""E-mail links come from ELEARN_BASE_URL (never the request's Host), calendar files are unique to
the installation and valid per RFC 5546, SMTP verifies certificates and never logs in over plain
text, and production neither prints its e-mail away nor starts without the settings it needs."""

import smtplib
import ssl
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from elearn import create_app
from elearn.config import ConfigurationError
from elearn.extensions import db
from elearn.modules.outbox import delivery
from elearn.modules.outbox.models import MessageStatus, OutboxMessage
from elearn.modules.outbox.services import absolute_url, queue_text
from elearn.modules.workshops import notify, scheduling, services
from tests.conftest import PASSWORD, TOKEN


def _messages_to(user):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                              .order_by(OutboxMessage.id)).all()


def test_a_forged_host_header_does_not_reach_the_links_in_e_mail(app, client, make_user,
                                                                 make_session):
    app.config["BASE_URL"] = "https://elearn.politi.example/lms/"
    session, person = make_session(), make_user()
    evil = {"base_url": "http://evil.example"}
    page = client.get("/login", **evil).get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token},
                **evil)
    page = client.get(f"/workshops/sessions/{session.id}", **evil).get_data(as_text=True)
    response = client.post(f"/workshops/sessions/{session.id}/register",
                           data={"csrf_token": TOKEN.search(page).group(1)}, **evil)
    assert response.status_code == 302
    [message] = _messages_to(person)
    link = f"https://elearn.politi.example/lms/workshops/sessions/{session.id}"
    assert link in message.body and "evil" not in message.body
    calendar = message.attachments[0]["content"]
    assert "evil" not in calendar
    event = icalendar.Calendar.from_ical(calendar).walk("VEVENT")[0]
    assert str(event["URL"]) == link and link in str(event["DESCRIPTION"])
    download = client.get(f"/workshops/sessions/{session.id}/calendar.ics", **evil)
    assert "evil" not in download.get_data(as_text=True)


def test_links_keep_the_base_urls_path_prefix(app):
    with app.test_request_context("/", base_url="http://evil.example/other"):
        app.config["BASE_URL"] = "https://politi.example/elearn"
        assert absolute_url("workshops.session", session_id=3) == \
            "https://politi.example/elearn/workshops/sessions/3"


def test_development_links_default_to_the_local_server(app):
    assert app.config["BASE_URL"] == "http://localhost:5000"


def _production(monkeypatch, **env):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.setenv("ELEARN_SECRET_KEY", "x" * 64)
    monkeypatch.delenv("ELEARN_BASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"ELEARN_{name}", value)


def test_production_refuses_to_start_without_a_base_url(monkeypatch):
    _production(monkeypatch)
    with pytest.raises(ConfigurationError, match="ELEARN_BASE_URL"):
        create_app()
    _production(monkeypatch, BASE_URL="https://elearn.politi.example")
    assert create_app().config["BASE_URL"] == "https://elearn.politi.example"


@pytest.mark.parametrize("url", ["elearn.politi.example", "javascript:alert(1)", "https://",
                                 "https://politi.example/?next=x"])
def test_a_base_url_that_is_not_an_address_is_refused(monkeypatch, url):
    monkeypatch.setenv("ELEARN_BASE_URL", url)
    with pytest.raises(ConfigurationError, match="ELEARN_BASE_URL"):
        create_app()


# Calendar files

def test_calendar_uids_carry_the_installations_host(app, make_session):
    app.config["BASE_URL"] = "https://elearn.politi.example:8443/lms"
    session = make_session()
    assert notify.calendar_uid(session) == f"workshop-session-{session.id}@elearn.politi.example"
    with app.test_request_context():
        text = notify.calendar_file(session, "da")
    assert f"UID:workshop-session-{session.id}@elearn.politi.example\r\n" in text


def test_a_downloaded_cancelled_session_is_published_with_status_cancelled(app, make_session,
                                                                           make_user, make_unit):
    unit = make_unit()
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=unit)
    session, person = make_session(unit=unit), make_user()
    services.register(session, person, session.starts_at - timedelta(days=1))
    scheduling.cancel_session(coordinator, session, "Facilitator ill")
    db.session.commit()
    download = icalendar.Calendar.from_ical(notify.calendar_file(session, "da"))
    event = download.walk("VEVENT")[0]
    assert download["METHOD"] == "PUBLISH"  # CANCEL without ORGANIZER breaks RFC 5546
    assert event["STATUS"] == "CANCELLED" and "ORGANIZER" not in event
    mailed = icalendar.Calendar.from_ical(_messages_to(person)[-1].attachments[0]["content"])
    assert mailed["METHOD"] == "CANCEL"  # the e-mail to the attendee stays an iTIP CANCEL
    assert str(mailed.walk("VEVENT")[0]["ORGANIZER"]) == "mailto:noreply@localhost"


# SMTP

class FakeSmtp:
    """Records the calls smtplib would make; no network."""

    calls: list = []

    def __init__(self, host, port, timeout=None, context=None):
        self.calls.append(("connect", type(self).__name__, host, port, context))

    def starttls(self, context=None):
        self.calls.append(("starttls", context))

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, mail):
        self.calls.append(("send", mail["To"]))

    def quit(self):
        self.calls.append(("quit",))

    def close(self):
        self.calls.append(("close",))


class FakeSmtpSsl(FakeSmtp):
    pass


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSmtp.calls = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSmtp)
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSmtpSsl)
    return FakeSmtp.calls


def _config(app, **changes):
    return {**app.config, "SMTP_HOST": "mail.politi.example", "SMTP_USER": "elearn",
            "SMTP_PASSWORD": "hemmelig", **changes}


def _verifies(context) -> bool:
    return (isinstance(context, ssl.SSLContext) and context.verify_mode is ssl.CERT_REQUIRED
            and context.check_hostname)


def test_starttls_verifies_the_servers_certificate(app, make_user, fake_smtp):
    person = make_user()
    queue_text(person, "Hej", "Tekst")
    db.session.commit()
    config = _config(app, SMTP_STARTTLS=True, SMTP_PORT=587)
    report = delivery.deliver_due(delivery.SmtpTransport(config), max_attempts=3)
    assert report.sent == 1
    [connect, starttls, login, send, quit_] = fake_smtp
    assert connect[:4] == ("connect", "FakeSmtp", "mail.politi.example", 587)
    assert starttls[0] == "starttls" and _verifies(starttls[1])  # before the fix: no context
    assert login == ("login", "elearn") and send == ("send", person.email)


def test_implicit_tls_on_port_465(monkeypatch, app, make_user, fake_smtp):
    monkeypatch.setenv("ELEARN_SMTP_SSL", "1")
    assert create_app().config["SMTP_PORT"] == 465
    queue_text(make_user(), "Hej", "Tekst")
    db.session.commit()
    config = _config(app, SMTP_SSL=True, SMTP_PORT=465)
    assert delivery.deliver_due(delivery.SmtpTransport(config), max_attempts=3).sent == 1
    connect = fake_smtp[0]
    assert connect[:4] == ("connect", "FakeSmtpSsl", "mail.politi.example", 465)
    assert _verifies(connect[4])
    assert not any(call[0] == "starttls" for call in fake_smtp)
    assert ("login", "elearn") in fake_smtp


def test_no_login_over_an_unencrypted_connection(app, make_user, fake_smtp):
    message = queue_text(make_user(), "Hej", "Tekst")
    db.session.commit()
    report = delivery.deliver_due(delivery.SmtpTransport(_config(app)), max_attempts=3)
    assert (report.sent, report.retrying) == (0, 1)
    assert not any(call[0] in ("login", "send") for call in fake_smtp)
    assert ("close",) in fake_smtp
    db.session.refresh(message)
    assert message.status is MessageStatus.PENDING
    assert "InsecureSmtpError" in message.last_error and "TLS" in message.last_error


def test_a_smtp_user_without_tls_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("ELEARN_SMTP_HOST", "mail.politi.example")
    monkeypatch.setenv("ELEARN_SMTP_USER", "elearn")
    with pytest.raises(ConfigurationError, match="ELEARN_SMTP_STARTTLS"):
        create_app()
    monkeypatch.setenv("ELEARN_SMTP_STARTTLS", "true")
    assert create_app().config["SMTP_PORT"] == 25


# Production without an SMTP server

def test_production_without_smtp_refuses_to_print_the_messages_away(app, make_user, runner):
    message = queue_text(make_user(), "Certificate expires soon", "Renew it.")
    db.session.commit()
    app.config.update(ELEARN_ENV="production", SMTP_HOST=None)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code != 0
    assert "ELEARN_SMTP_HOST" in result.output and "Certificate expires soon" not in result.output
    db.session.refresh(message)
    assert (message.status, message.attempts, message.claim_token) == (
        MessageStatus.PENDING, 0, None)
