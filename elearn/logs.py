"""Logs: one line per event on standard error, as JSON objects (LOG_FORMAT=json) or readable text,
each with the request id of the request it belongs to, and never a secret.

What keeps secrets out: the request log names only method, path (no query string; a path segment
that is itself a secret, like a check-in token, is replaced), status, timing, user id and address;
form bodies, cookies and headers are never logged; and the Redact filter scrubs, on every record that
reaches the handler (the CLI's too), the values of secret-sounding `extra` keys and `key=value`
pairs in messages and tracebacks.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REDACTED = "[redacted]"
#: Words that make a key secret: its value is never written (also for extra keys like "otp_code").
SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "token", "secret", "code",
                          "answer", "answers", "otp", "totp", "cookie", "cookies", "authorization",
                          "csrf", "credential", "credentials", "signature"})
#: key=value (a query string, a cookie) or a quoted key with a colon (JSON, a dict); not "key: value"
#: in prose, so a content warning like "needs 'answer: true'" stays readable.
_SECRET_PAIR = re.compile(
    r"(?i)\b([\w-]*(?:password|passwd|passphrase|token|secret|code|answer|otp|cookie|csrf|session)[\w-]*)"
    r"""(=|["']\s*:\s*["']?)([^\s&"',;)}\]]+)""")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)[^@\s/]+@")
#: Requests logged at DEBUG when they succeed, so health checks, scrapes and static files do not
#: drown the log (every request is still counted in /metrics).
QUIET_ENDPOINTS = frozenset({"static", "core.healthz", "core.metrics", "courses.service_worker"})
#: Route arguments whose value is a secret in the address itself.
SECRET_ROUTE_ARGUMENTS = frozenset({"token"})
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "request_id", "taskName"}

request_log = logging.getLogger("elearn.request")


def secret_key(key: str) -> bool:
    lowered = key.lower()
    return (any(word in lowered for word in ("password", "secret", "token"))
            or any(part in SECRET_WORDS for part in re.split(r"[^a-z0-9]+", lowered)))


def scrub_text(text: str) -> str:
    """text with the values of secret-sounding key=value pairs, bearer tokens and URL passwords
    replaced."""
    text = _SECRET_PAIR.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + " " + REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)


def scrub(value, key: str = ""):
    """A copy of value with every secret key's value replaced, looking into dicts and lists."""
    if key and secret_key(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def extras(record: logging.LogRecord) -> dict:
    """The fields a caller passed with extra=…"""
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD}


class RequestId(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class Redact(logging.Filter):
    """Scrubs secrets from the record in place: the message (rendered with its arguments), the
    traceback and every extra field."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_elearn_redacted", False):
            return True
        try:
            record.msg, record.args = scrub_text(record.getMessage()), None
        except (TypeError, ValueError):  # arguments that do not fit the message: keep neither
            record.msg, record.args = scrub_text(str(record.msg)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        for key, value in extras(record).items():
            setattr(record, key, scrub(value, key))
        record._elearn_redacted = True
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _timestamp(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(), "request_id": getattr(record, "request_id", None)}
        entry.update({k: v for k, v in extras(record).items() if not k.startswith("_")})
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


#: Control characters (C0, DEL, C1, and Unicode's line and paragraph separators).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """text with every control character written as an escape (a newline as \\n), so that what a
    client sent cannot start a forged line in a text log."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if m.group() in "\n\r\t"
                        else f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


class TextFormatter(logging.Formatter):
    """One line per record (control characters escaped); a traceback follows on indented lines."""

    #: The request log's message already says these.
    OMIT = frozenset({"method", "path", "status", "duration_ms"})

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in extras(record).items()
                          if not k.startswith("_") and k not in self.OMIT)
        line = escape_controls(
            f"{_timestamp(record)} {record.levelname} {record.name} "
            f"[{getattr(record, 'request_id', None) or '-'}] {record.getMessage()}"
            + (f" ({fields})" if fields else ""))
        if record.exc_info or record.exc_text:
            trace = record.exc_text or self.formatException(record.exc_info)
            line += "".join("\n    " + escape_controls(part) for part in trace.splitlines())
        return line


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment (pytest swaps it per test)."""

    _elearn = True

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestId())
        self.addFilter(Redact())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(log_format: str) -> None:
    """One elearn handler on the root logger (replacing none, added once however many apps are built),
    formatting as log_format says; the root level INFO. The development server's own request lines
    (which show query strings) are silenced: the request log below replaces them."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_elearn", False)), None)
    if handler is None:
        handler = StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def request_id_from(header: str | None) -> str:
    """The caller's id when it is short and harmless, else a new one."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def loggable_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ROUTE_ARGUMENTS and str(value):
            path = path.replace(str(value), REDACTED)
    return path


def _user_id():
    """The logged-in user's id if this request has loaded one (never loads it: no extra query)."""
    user = g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None


def init_logging(app: Flask) -> None:
    """Configure the handler, keep statement values out of database errors, give every request an id
    and write one request log line each. Runs first in create_app (before the database is set up), so
    its before_request runs before any other."""
    configure(app.config["LOG_FORMAT"])
    # A database error's message would otherwise carry the statement's values (answers, hashes) into
    # the log with its traceback.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True,
                                               **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}

    @app.before_request
    def _begin():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id") or request_id_from(None)
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        quiet = request.endpoint in QUIET_ENDPOINTS and response.status_code < 400
        path = loggable_path()
        request_log.log(logging.DEBUG if quiet else logging.INFO, "%s %s %s in %s ms",
                        request.method, path, response.status_code, duration,
                        extra={"method": request.method, "path": path, "status": response.status_code,
                               "duration_ms": duration, "user_id": _user_id(),
                               "remote_addr": request.remote_addr})
        return response
