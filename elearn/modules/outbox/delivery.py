"""Delivering the outbox: claim due messages, send each through a transport, record the outcome."""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import or_, select, update

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.outbox.models import MessageStatus, OutboxMessage

#: How long a sender owns the messages it claimed; after that another run may retry them.
LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait before retry number attempts+1: 1, 2, 4, 8 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def email_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """The stored message as a MIME e-mail with its attachments."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    mail.set_content(message.body)
    for attachment in message.attachments or []:
        maintype, _, rest = attachment["content_type"].partition("/")
        subtype, _, params = rest.partition(";")
        extra = dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p)
        mail.add_attachment(attachment["content"].encode("utf-8"), maintype=maintype,
                            subtype=subtype.strip(), filename=attachment["filename"], params=extra)
    return mail


class SmtpTransport:
    """Sends through one SMTP connection for a whole run (config ELEARN_SMTP_*)."""

    def __init__(self, config: dict):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self):
        config = self.config
        self.connection = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30)
        if config["SMTP_STARTTLS"]:
            self.connection.starttls()
        if config.get("SMTP_USER"):
            self.connection.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        return self

    def send(self, message: OutboxMessage) -> None:
        self.connection.send_message(email_message(message, self.config["SMTP_FROM"]))

    def __exit__(self, *exc):
        try:
            self.connection.quit()
        except smtplib.SMTPException:
            self.connection.close()


class PrintTransport:
    """No SMTP server configured: write each message to a stream (development and demos)."""

    def __init__(self, echo):
        self.echo = echo

    def __enter__(self):
        return self

    def send(self, message: OutboxMessage) -> None:
        names = ", ".join(a["filename"] for a in message.attachments or []) or "-"
        self.echo(f"To: {message.recipient}\nSubject: {message.subject}\nAttachments: {names}\n\n"
                  f"{message.body}\n{'-' * 72}")

    def __exit__(self, *exc):
        return None


def claim(now: datetime, batch: int) -> str:
    """Take up to batch due messages for this run and commit; returns the claim token. PostgreSQL
    skips rows another sender is claiming; SQLite has one writer at a time anyway."""
    token = uuid.uuid4().hex
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status == MessageStatus.PENDING,
                  OutboxMessage.next_attempt_at <= now,
                  or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
           .order_by(OutboxMessage.id).limit(batch).with_for_update(skip_locked=True))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(due))
                       .values(claim_token=token, claimed_until=now + LEASE)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return token


def _record_failure(message: OutboxMessage, error: Exception, now: datetime,
                    max_attempts: int) -> bool:
    """Count a failed attempt; True when the message will be retried."""
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    message.claim_token, message.claimed_until = None, None
    if message.attempts >= max_attempts:
        message.status = MessageStatus.FAILED
        return False
    message.next_attempt_at = now + backoff(message.attempts)
    return True


def deliver_due(transport, max_attempts: int, now: datetime | None = None,
                batch: int = 100) -> DeliveryReport:
    """Send the due messages through transport (a context manager with send(message)); each is
    committed as sent or as failed right after its attempt, so it is sent once."""
    now = now or utcnow()
    token = claim(now, batch)
    messages = list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.claim_token == token).order_by(OutboxMessage.id)))
    report = DeliveryReport()
    if not messages:
        return report
    try:
        opened = transport.__enter__()
    except (OSError, smtplib.SMTPException) as error:
        for message in messages:
            _tally(report, _record_failure(message, error, now, max_attempts))
        db.session.commit()
        return report
    try:
        for message in messages:
            _deliver_one(opened, message, now, max_attempts, report)
    finally:
        transport.__exit__(None, None, None)
    return report


def _deliver_one(transport, message: OutboxMessage, now, max_attempts: int,
                 report: DeliveryReport) -> None:
    try:
        transport.send(message)
    except Exception as error:  # noqa: BLE001  (any failure is this message's attempt; go on)
        _tally(report, _record_failure(message, error, now, max_attempts))
    else:
        message.status, message.sent_at = MessageStatus.SENT, utcnow()
        message.attempts += 1
        message.claim_token, message.claimed_until = None, None
        report.sent += 1
    db.session.commit()


def _tally(report: DeliveryReport, retrying: bool) -> None:
    if retrying:
        report.retrying += 1
    else:
        report.failed += 1


def transport_for(config: dict, echo):
    """SMTP when ELEARN_SMTP_HOST is set, else printing through echo."""
    return SmtpTransport(config) if config.get("SMTP_HOST") else PrintTransport(echo)
