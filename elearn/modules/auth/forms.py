"""Log-in and account forms (shape only; rules live in services)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField
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
        description=_l("At least %(count)d characters. A few words in a row work well.",
                       count=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class PreferencesForm(Form):
    locale = SelectField(_l("Language"), choices=choices([("", _l("As my browser asks")),
                                                          ("da", "Dansk"), ("en", "English")]))
