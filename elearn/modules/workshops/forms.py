"""Forms for sessions, registrations, invitations, attendance, feedback and knowledge needs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, InputRequired, Length, NumberRange, Optional

from elearn.forms import Form, choices
from elearn.modules.workshops.models import Audience, NeedStatus

AUDIENCE_LABELS = {Audience.OPEN: _l("Open to everyone"),
                   Audience.INVITED: _l("Only invited people")}
NEED_STATUS_LABELS = {NeedStatus.NEW: _l("New"), NeedStatus.PLANNED: _l("Planned in a workshop"),
                      NeedStatus.ADDRESSED: _l("Addressed"), NeedStatus.DECLINED: _l("Not taken up")}
PERSONAL_DATA_WARNING = _l("Do not write names or other personal data about citizens, victims, "
                           "perpetrators or cases.")
DEADLINE_FORMAT = "%Y-%m-%dT%H:%M"


class SessionForm(Form):
    workshop_slug = SelectField(_l("Workshop"), validators=[DataRequired()])
    unit_id = SelectField(_l("Organising unit"), coerce=int,
                          description=_l("The session belongs to this unit: its coordinators "
                                         "manage it."))
    date = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("Starts at"), validators=[InputRequired()],
                           description=_l("Danish time."))
    end_time = TimeField(_l("Ends at"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("Address and room."))
    online_url = URLField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)],
                          description=_l("For an online session; leave empty otherwise."))
    facilitator_email = StringField(_l("Facilitator's e-mail address"),
                                    validators=[Optional(), Email(), Length(max=254)],
                                    description=_l("The facilitator may take attendance."))
    capacity = IntegerField(_l("Places"), validators=[InputRequired(), NumberRange(1, 1000)])
    audience = RadioField(_l("Who may register"), default=Audience.OPEN.value,
                          choices=choices((a.value, label) for a, label in AUDIENCE_LABELS.items()))
    registration_deadline = DateTimeLocalField(
        _l("Registration deadline"), format=DEADLINE_FORMAT, validators=[Optional()],
        description=_l("Danish time. Leave empty to allow registration until the start."))
    cancellation_deadline = DateTimeLocalField(
        _l("Cancellation deadline"), format=DEADLINE_FORMAT, validators=[Optional()],
        description=_l("Danish time. After it, only a coordinator can cancel a place. Leave empty "
                       "to allow cancelling until the start."))
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=500)],
                           description=_l("Sent to the people registered when the time or place "
                                          "changes. Do not write names or other personal data "
                                          "about citizens, victims, perpetrators or cases."))


class CancelRegistrationForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)],
                           description=PERSONAL_DATA_WARNING)


class CancelSessionForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                           description=_l("Sent to everyone registered or on the waiting list. Do "
                                          "not write names or other personal data about "
                                          "citizens, victims, perpetrators or cases."))


class InviteForm(Form):
    unit_ids = SelectMultipleField(_l("Units (with the units below them)"), coerce=int,
                                   validators=[Optional()])
    path = SelectField(_l("Learners of a learning path"), validators=[Optional()],
                       description=_l("People in your units who have started a module of the "
                                      "path."))
    emails = TextAreaField(_l("Named people"), validators=[Optional(), Length(max=20000)],
                           description=_l("E-mail addresses, one per line."))


class FeedbackForm(Form):
    rating = RadioField(_l("How useful was the workshop for your work?"), coerce=int,
                        validators=[InputRequired(message=_l("Choose a rating."))],
                        choices=choices([(5, _l("5 – very useful")), (4, "4"), (3, "3"), (2, "2"),
                                         (1, _l("1 – not useful"))]))
    useful = TextAreaField(_l("What was most useful?"), validators=[Optional(), Length(max=2000)],
                           description=PERSONAL_DATA_WARNING)
    missing = TextAreaField(_l("What was missing?"), validators=[Optional(), Length(max=2000)],
                            description=PERSONAL_DATA_WARNING)


class NeedForm(Form):
    topic = StringField(_l("What do you need to learn?"),
                        validators=[DataRequired(), Length(max=200)], description=PERSONAL_DATA_WARNING)
    why = TextAreaField(_l("Why? In which situations do you need it?"),
                        validators=[Optional(), Length(max=2000)], description=PERSONAL_DATA_WARNING)
    workshop_slug = SelectField(_l("Related workshop (optional)"), validators=[Optional()])


class NeedStatusForm(Form):
    status = SelectField(_l("Status"), choices=choices(
        (s.value, label) for s, label in NEED_STATUS_LABELS.items()))
