"""Log-in and account forms (shape only; rules live in services)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from elearn.forms import Form, choices
from elearn.modules.auth.passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least %(count)d characters; long passphrases welcome (a few words with "
                       "spaces work well); common passwords are refused.", count=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class ContactFields:
    """Work phone and e-mail (optional): the key-officer directory shows them."""

    work_phone = StringField(_l("Work phone"), validators=[Length(max=30)],
                             description=_l("Optional. Shown in the key-officer directory if you "
                                            "are a certified key officer."),
                             render_kw={"autocomplete": "tel", "inputmode": "tel"})
    work_email = EmailField(_l("Work e-mail for colleagues"), validators=[Length(max=254)],
                            description=_l("Optional, e.g. a shared mailbox. Leave empty to show "
                                           "your log-in address."),
                            render_kw={"autocomplete": "email"})


class PreferencesForm(Form, ContactFields):
    locale = SelectField(_l("Language"), choices=choices([("", _l("As my browser asks")),
                                                          ("da", "Dansk"), ("en", "English")]))


def code_field() -> StringField:
    """A 6-digit code from an authenticator app, typed or filled in by the phone's keyboard."""
    return StringField(_l("6-digit code from your authenticator app"),
                       validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})


class TwoFactorCodeForm(Form):
    code = code_field()


class TwoFactorForm(Form):
    """Switching two-factor on (the code proves the app has the secret) or off."""

    code = code_field()
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
