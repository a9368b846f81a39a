"""Forms for users, units and the roster upload (shape only; rules live in services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from elearn.forms import Form, choices
from elearn.modules.auth.forms import ContactFields
from elearn.modules.auth.models import Role
from elearn.modules.auth.passwords import MAX_LENGTH, MIN_LENGTH
from elearn.modules.units.models import UnitKind

ROLE_LABELS = {Role.LEARNER: _l("Learner"), Role.COORDINATOR: _l("Coordinator"),
               Role.ADMIN: _l("Administrator")}
KIND_LABELS = {UnitKind.DISTRICT: _l("Police district"), UnitKind.CENTRE: _l("Centre"),
               UnitKind.TEAM: _l("Team")}


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(Form, ContactFields):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    unit_id = SelectField(_l("Unit"), coerce=optional_int, validate_choice=True)
    roles = CheckboxesField(_l("Roles"), choices=choices((r.value, label) for r, label in
                                                          ROLE_LABELS.items()),
                            validators=[DataRequired(message=_l("Choose at least one role."))])
    scope_unit_ids = SelectMultipleField(
        _l("Coordinator for units"), coerce=int,
        description=_l("A coordinator manages these units and everything below them. Left empty, "
                       "a coordinator manages their own unit."))
    locale = SelectField(_l("Language"), choices=choices([("", _l("As the browser asks")),
                                                          ("da", "Dansk"), ("en", "English")]))
    password = PasswordField(
        _l("Set a new password"), validators=[Optional(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("Leave empty to keep the current password. At least %(count)d characters; long "
                       "passphrases welcome; common passwords are refused. Setting one logs the user "
                       "out everywhere.", count=MIN_LENGTH), render_kw={"autocomplete": "new-password"})
    active = BooleanField(_l("Active (can log in)"), default=True)


class UnitForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("Short and unique, e.g. SJYL-SC. Used in roster files."))
    kind = SelectField(_l("Kind"), choices=choices((k.value, label) for k, label in KIND_LABELS.items()))
    parent_id = SelectField(_l("Part of"), coerce=optional_int, validate_choice=True)


class RosterUploadForm(Form):
    file = FileField(_l("Roster file (CSV)"), validators=[
        FileRequired(message=_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], message=_l("Choose a .csv file."))],
        description=_l("Columns: name, email, unit (code or name), roles (learner, coordinator, "
                       "admin). Comma or semicolon separated, UTF-8 or Excel's Danish encoding."))


class RosterConfirmForm(Form):
    content = HiddenField(validators=[DataRequired()])
    import_good_rows = BooleanField(_l("Import the good rows and skip the lines with problems"))


class ActionForm(Form):
    """A form with nothing but its CSRF token, for buttons that change state."""
