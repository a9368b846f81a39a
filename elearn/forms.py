"""Helpers shared by every feature's forms."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import flash
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from elearn.errors import DomainError
from elearn.extensions import db

TRANSLATIONS_DIR = Path(__file__).parent / "translations"


@lru_cache(maxsize=8)
def _wtforms_catalog(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="wtforms")


class WTFormsTranslations:
    """WTForms' own messages ("This field is required.") in the user's language, from our wtforms
    catalogue: WTForms ships no Danish one."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


class Form(FlaskForm):
    """The base of every form: CSRF from Flask-WTF, messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            return WTFormsTranslations()


def apply_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's DomainError on the form field it names, else at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def save(form: FlaskForm, action):
    """When form validates, run action (a service call) and commit; a DomainError rolls back and is
    shown on the form. Returns the action's result, or None when nothing was saved."""
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        apply_error(form, error)
        return None
    db.session.commit()
    return result


def act(action) -> bool:
    """Run a button's action (a service call) and commit; a DomainError rolls back and is flashed.
    Returns whether it was done."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return False
    db.session.commit()
    return True


MAX_ID = 2**31 - 1


def bounded_int(value: str) -> int:
    """A whole number a database column can hold (for query arguments); ValueError otherwise."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number
