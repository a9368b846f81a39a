"""Queueing e-mail: rendered in the recipient's language, written in the caller's transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import insert

from elearn.extensions import db
from elearn.i18n import in_locale
from elearn.modules.outbox.models import OutboxMessage

SUBJECT_MAX = 300


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: str


def recipient_locale(user) -> str:
    """The language a message to user is written in: their choice, else the site's default."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def render_message(user, template: str, **context) -> tuple[str, str]:
    """(subject, body) of a text template rendered in user's language. The template's first line is
    the subject, the rest the body."""
    with in_locale(recipient_locale(user)):
        text = render_template(template, recipient=user, **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip()[:SUBJECT_MAX], body.strip() + "\n"


def queue_message(user, template: str, attachments: tuple[Attachment, ...] = (),
                  **context) -> OutboxMessage:
    """Add an e-mail to user (rendered from template in their language) to the current transaction;
    returns the flushed row. `elearn outbox send` delivers it after the transaction commits."""
    subject, body = render_message(user, template, **context)
    return queue_text(user, subject, body, attachments)


def render_many(messages) -> list[dict]:
    """The outbox rows of many e-mails, rendered but not written: messages are (user, template,
    context) triples (user needs id, email, name and locale), each in its recipient's language.
    Rendering first lets a caller write them quickly (`queue_rendered`) without holding SQLite's
    write lock while templates render."""
    rows = []
    for user, template, context in messages:
        subject, body = render_message(user, template, **context)
        rows.append({"user_id": user.id, "recipient": user.email, "subject": subject, "body": body,
                     "attachments": []})
    return rows


def queue_rendered(rows: list[dict]) -> list[int]:
    """Add the rows of `render_many` in one batched statement; the new ids in the order given."""
    if not rows:
        return []
    result = db.session.execute(insert(OutboxMessage).returning(OutboxMessage.id,
                                                                sort_by_parameter_order=True), rows)
    return list(result.scalars())


def queue_many(messages) -> list[int]:
    """Add many e-mails in one statement (see `render_many`); the new message ids in the order given."""
    return queue_rendered(render_many(messages))


def queue_text(user, subject: str, body: str,
               attachments: tuple[Attachment, ...] = ()) -> OutboxMessage:
    """Add an e-mail with this subject and body (already in user's language, see recipient_locale)
    to the current transaction; returns the flushed row."""
    message = OutboxMessage(user_id=user.id, recipient=user.email, subject=subject[:SUBJECT_MAX],
                            body=body, attachments=[asdict(a) for a in attachments])
    db.session.add(message)
    db.session.flush()
    return message


def absolute_url(endpoint: str, **values) -> str:
    """A full link for an e-mail, a calendar file or a printed code: always under config BASE_URL
    (ELEARN_BASE_URL, which may include a path prefix), never the request's Host header, which the
    client chooses."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def site_host() -> str:
    """The host name of BASE_URL (e.g. elearn.politi.example), to make identifiers unique to this
    installation."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
