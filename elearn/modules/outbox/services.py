"""Queueing e-mail: rendered in the recipient's language, written in the caller's transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import current_app, has_request_context, render_template, url_for

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
    """A full link for an e-mail: to the request's site inside a request, else to config BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
