"""Self check-in: a signed, time-limited code for one session, shown as a QR code."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from elearn.errors import DomainError, NotFound

SALT = "elearn.workshops.check-in"
#: How long a shown code works: long enough for a room to check in, short enough that a forwarded code
#: is soon useless. The facilitator's page shows a fresh one when reloaded.
VALID_SECONDS = 15 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(session_id: int) -> str:
    return _serializer().dumps({"session": session_id})


def read_token(token: str) -> int:
    """The session id in a check-in code; raises DomainError when it has expired and NotFound when
    it is not one of ours."""
    try:
        data = _serializer().loads(token, max_age=VALID_SECONDS)
    except SignatureExpired as error:
        raise DomainError(_l("This check-in code has expired. Ask the facilitator to show the "
                             "current one.")) from error
    except BadSignature as error:
        raise NotFound(_l("This check-in code is not valid.")) from error
    if not isinstance(data, dict) or not isinstance(data.get("session"), int):
        raise NotFound(_l("This check-in code is not valid."))
    return data["session"]
