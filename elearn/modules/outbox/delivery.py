"""Delivering the outbox: claim due messages, send each through a transport, record the outcome."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import click
from sqlalchemy import or_, select, update

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.outbox.models import MessageStatus, OutboxMessage

#: How long a sender owns the messages it claimed; after that another run may retry them.
LEASE = timedelta(minutes=10)
#: A run starts no send later than this before its lease ends (one send may take a few SMTP
#: timeouts of 30 s); the messages it has not reached are left for the next run.
SEND_MARGIN = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=6)
SMTP_TIMEOUT = 30

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Claimed but not attempted (the lease ran short, or another sender took the message over);
    #: a later run sends them.
    left: int = 0


class InsecureSmtpError(smtplib.SMTPException):
    """Refusing to send the SMTP password over a connection without TLS."""


class DeliveryRefused(click.ClickException):
    """`elearn outbox send` cannot deliver with this configuration; nothing was claimed."""


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
    """Sends through one SMTP connection for a whole run (config ELEARN_SMTP_*): implicit TLS with
    SMTP_SSL, else STARTTLS when SMTP_STARTTLS; both verify the server's certificate and name. It
    logs in (SMTP_USER) only over TLS."""

    def __init__(self, config: dict, context: ssl.SSLContext | None = None):
        self.config = config
        self.context = context
        self.connection: smtplib.SMTP | None = None

    def __enter__(self):
        config = self.config
        context = self.context or ssl.create_default_context()
        use_ssl = bool(config.get("SMTP_SSL"))
        port = int(config.get("SMTP_PORT") or (465 if use_ssl else 25))
        if use_ssl:
            self.connection = smtplib.SMTP_SSL(config["SMTP_HOST"], port, timeout=SMTP_TIMEOUT,
                                               context=context)
        else:
            self.connection = smtplib.SMTP(config["SMTP_HOST"], port, timeout=SMTP_TIMEOUT)
        try:
            encrypted = use_ssl
            if config.get("SMTP_STARTTLS") and not use_ssl:
                self.connection.starttls(context=context)
                encrypted = True
            if config.get("SMTP_USER"):
                if not encrypted:
                    raise InsecureSmtpError(
                        "refusing to log in to the SMTP server without TLS: set ELEARN_SMTP_STARTTLS=1 "
                        "or ELEARN_SMTP_SSL=1")
                self.connection.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        except BaseException:
            self.connection.close()
            raise
        return self

    def send(self, message: OutboxMessage) -> None:
        self.connection.send_message(email_message(message, self.config["SMTP_FROM"]))

    def __exit__(self, *exc):
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
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


def _owned(token: str):
    return OutboxMessage.claim_token == token


def _record(message: OutboxMessage, token: str, **values) -> bool:
    """Write an outcome only while this run still holds the message's claim; False when another
    sender has taken it over (its outcome stands)."""
    result = db.session.execute(update(OutboxMessage)
                                .where(OutboxMessage.id == message.id, _owned(token))
                                .values(claim_token=None, claimed_until=None, **values)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.expire(message)
    if result.rowcount != 1:
        log.warning("outbox message %s: claim lost to another sender; outcome not recorded",
                    message.id)
        return False
    return True


def _record_failure(message: OutboxMessage, token: str, error: Exception, now: datetime,
                    max_attempts: int) -> bool | None:
    """Count a failed attempt; True when the message will be retried, None when the claim was lost."""
    attempts = message.attempts + 1
    values = {"attempts": attempts, "last_error": f"{type(error).__name__}: {error}"[:500]}
    if attempts >= max_attempts:
        values["status"] = MessageStatus.FAILED
    else:
        values["next_attempt_at"] = now + backoff(attempts)
    if not _record(message, token, **values):
        return None
    return attempts < max_attempts


def _release(token: str) -> None:
    """Give back the messages this run claimed but did not reach, for the next run."""
    db.session.execute(update(OutboxMessage).where(_owned(token))
                       .values(claim_token=None, claimed_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _still_ours(message: OutboxMessage, token: str) -> bool:
    """True while the message is still claimed by this run (read fresh from the database)."""
    db.session.commit()  # end any read transaction, so the check sees other senders' commits
    current = db.session.scalar(select(OutboxMessage.claim_token)
                                .where(OutboxMessage.id == message.id))
    return current == token


def deliver_due(transport, max_attempts: int, now: datetime | None = None,
                batch: int = 100) -> DeliveryReport:
    """Send the due messages through transport (a context manager with send(message)); each is
    committed as sent or as failed right after its attempt, only while this run still holds its
    claim. No send starts later than SEND_MARGIN before the lease ends: after that another sender
    may take the messages, so the rest are left for the next run."""
    now = now or utcnow()
    token = claim(now, batch)
    deadline = now + LEASE - SEND_MARGIN
    messages = list(db.session.scalars(select(OutboxMessage).where(
        _owned(token)).order_by(OutboxMessage.id)))
    report = DeliveryReport()
    if not messages:
        return report
    try:
        opened = transport.__enter__()
    except (OSError, smtplib.SMTPException) as error:
        for message in messages:
            _tally(report, _record_failure(message, token, error, now, max_attempts))
        return report
    try:
        for index, message in enumerate(messages):
            if utcnow() >= deadline:
                report.left += len(messages) - index
                _release(token)
                break
            _deliver_one(opened, message, token, now, max_attempts, report)
    finally:
        transport.__exit__(None, None, None)
    return report


def _deliver_one(transport, message: OutboxMessage, token: str, now, max_attempts: int,
                 report: DeliveryReport) -> None:
    if not _still_ours(message, token):
        report.left += 1
        return
    try:
        transport.send(message)
    except Exception as error:  # noqa: BLE001  (any failure is this message's attempt; go on)
        _tally(report, _record_failure(message, token, error, now, max_attempts))
    else:
        if _record(message, token, status=MessageStatus.SENT, sent_at=utcnow(),
                   attempts=message.attempts + 1):
            report.sent += 1
        else:
            report.left += 1


def _tally(report: DeliveryReport, retrying: bool | None) -> None:
    if retrying is None:
        report.left += 1
    elif retrying:
        report.retrying += 1
    else:
        report.failed += 1


def transport_for(config: dict, echo):
    """SMTP when ELEARN_SMTP_HOST is set, else printing through echo, which production refuses
    (it would mark every message sent without sending it)."""
    if config.get("SMTP_HOST"):
        return SmtpTransport(config)
    if config.get("ELEARN_ENV") == "production":
        raise DeliveryRefused(
            "ELEARN_ENV=production needs ELEARN_SMTP_HOST to send e-mail; without it the messages "
            "would only be printed here and marked sent. Nothing was sent; they stay queued.")
    return PrintTransport(echo)
