"""The learner record page (/reports/people/<id>) and its CSV/XLSX export; a person outside the
viewer's units is not found."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from elearn.clock import utcnow
from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.reports import record as records
from elearn.modules.reports.filters import ReportFilters
from elearn.modules.reports.views import bp, export, scope

TITLE = _l("Learner record")


@bp.route("/people/<int:user_id>", endpoint="record")
@coordinator_required
def learner_record(user_id: int):
    data = records.record(user_id, scope(), utcnow(), str(get_locale()))
    return render_template("reports/record.html", record=data, labels=records.LABELS)


@bp.route("/people/<int:user_id>.<fmt>", endpoint="record_export")
@coordinator_required
def learner_record_export(user_id: int, fmt: str):
    locale = str(get_locale())
    return export(fmt, TITLE, lambda: records.table(user_id, scope(), utcnow(), locale), ReportFilters())
