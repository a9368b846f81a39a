"""Forms for revoking a certificate and for comparing a PDF with the one issued (shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from elearn.forms import Form
from elearn.modules.certification.services import REVOKE_REASON_MAX


class RevokeForm(Form):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=REVOKE_REASON_MAX)],
        description=_l("Shown to the holder and to coordinators, not on the public verification "
                       "page. Do not write personal data about citizens or cases."))


class CompareForm(Form):
    pdf = FileField(_l("The certificate's PDF file"))
    fingerprint = StringField(
        _l("Or its SHA-256 fingerprint"),
        validators=[Optional(), Regexp(r"^\s*[0-9A-Fa-f]{64}\s*$",
                                       message=_l("A SHA-256 fingerprint is 64 characters 0–9 "
                                                  "and a–f."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
