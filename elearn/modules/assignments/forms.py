"""Forms for assignments and cohorts (shape only; the rules are in services and cohorts)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from elearn.forms import Form, choices
from elearn.modules.admin.forms import optional_int
from elearn.modules.assignments.models import Audience

AUDIENCE_LABELS = {Audience.PERSON: _l("One person"),
                   Audience.UNIT: _l("A unit, with its sub-units and people who join later"),
                   Audience.COHORT: _l("A cohort")}


class AssignmentForm(Form):
    target = SelectField(_l("Learning path or module"), validators=[DataRequired()])
    audience = RadioField(_l("Who"), choices=choices((a.value, label) for a, label in
                                                     AUDIENCE_LABELS.items()),
                          validators=[DataRequired(message=_l("Choose who the assignment is for."))])
    person = EmailField(_l("The person's e-mail address"), validators=[Optional(), Length(max=254)],
                        description=_l("For one person: someone in your units."))
    unit = SelectField(_l("Unit"), coerce=optional_int)
    cohort = SelectField(_l("Cohort"), coerce=optional_int)
    due_on = DateField(_l("Due date"), validators=[DataRequired(message=_l("Give a due date."))],
                       description=_l("Due by the end of this day (Danish time)."))


class CohortForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Police recruits, autumn 2027."))
    unit = SelectField(_l("Unit"), coerce=optional_int,
                       description=_l("Its members are people in this unit or the units below it."))


class RenameForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class MemberForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class ImportUploadForm(Form):
    file = FileField(_l("File of e-mail addresses (CSV)"), validators=[
        FileRequired(message=_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], message=_l("Choose a .csv file."))],
        description=_l("A column email (a name column may be there too, it is not used). Comma or "
                       "semicolon separated, as Excel saves it."))


class ImportConfirmForm(Form):
    content = HiddenField(validators=[DataRequired()])
