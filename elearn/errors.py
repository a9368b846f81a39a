"""Errors users can cause (DomainError and friends) and the HTTP error pages."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from elearn.extensions import db
from elearn.logs import loggable_path

log = logging.getLogger("elearn")


class DomainError(Exception):
    """A rule a user broke; the message is translatable and safe to show. `field` names a form field."""

    status = 400

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    409: _l("That conflicts with something already saved"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}

ERROR_EXPLANATIONS = {
    400: _l("Something in the request was malformed. Go back, check what you entered and try again."),
    403: _l("Your account does not have the role this page needs. Ask a coordinator if you think "
            "it should."),
    404: _l("The address may be mistyped, or the page has moved."),
    405: _l("Go back and use the page's own buttons and links."),
    409: _l("Nothing was changed. Reload the page to see the current state."),
    413: _l("Nothing was saved. Choose a smaller file and try again."),
    429: _l("For your security, further attempts are paused for a few minutes. Please wait and "
            "try again."),
    500: _l("The error has been logged. Please try again in a moment."),
}


def render_error(status: int, message=None):
    """The error page (or JSON for /healthz-style clients) for status, in the user's language."""
    title = ERROR_TITLES.get(status, ERROR_TITLES[400])
    explanation = message or ERROR_EXPLANATIONS.get(status, ERROR_EXPLANATIONS[400])
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(title), message=str(explanation)), status
    return render_template(
        "errors/error.html", status=status, title=title, explanation=explanation
    ), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, _l("The form had expired or was sent from another page. Nothing "
                                    "was saved. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(error):
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def _http(error):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error):
        log.exception("unhandled error on %s %s", request.method, loggable_path())
        db.session.rollback()
        try:
            return render_error(500)
        except Exception:  # noqa: BLE001  (the error page itself failed; answer plainly)
            log.exception("error page failed")
            return "500 Internal Server Error", 500, {"Content-Type": "text/plain"}
