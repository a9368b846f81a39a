"""The anonymisation form: the admin types the person's e-mail address to confirm."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from elearn.forms import Form


class AnonymiseForm(Form):
    confirmation = StringField(_l("The person's e-mail address"),
                               validators=[DataRequired(), Length(max=254)],
                               description=_l("Type it exactly as shown above to confirm."))
