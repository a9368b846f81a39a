"""Language choice (user preference, then a chosen language, then Accept-Language, then default)."""

from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import force_locale, format_date, format_datetime, format_decimal, get_translations
from flask_login import current_user

from elearn.config import LOCALES
from elearn.extensions import babel

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("locale") in LOCALES:
        return session["locale"]
    return request.accept_languages.best_match(LOCALES) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def _translations():
    """The request's catalogue, looked up once per request (templates translate dozens of strings)."""
    translations = g.get("_elearn_translations")
    if translations is None:
        translations = g._elearn_translations = get_translations()
    return translations


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        lambda string: _translations().ugettext(string),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True)
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else "")
    app.jinja_env.filters["decimal"] = lambda value, fmt="0.00": format_decimal(value, fmt)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES


@contextmanager
def in_locale(locale: str):
    """Translate (Python and templates) in locale for the block, e.g. for another person's e-mail."""
    cached = g.pop("_elearn_translations", None) if has_app_context() else None
    try:
        with force_locale(locale):
            yield
    finally:
        g.pop("_elearn_translations", None)
        if cached is not None:
            g._elearn_translations = cached
