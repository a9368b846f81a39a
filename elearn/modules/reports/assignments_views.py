"""The assignments report page (per unit, then every overdue person) and its CSV/XLSX export."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from elearn.clock import utcnow
from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.reports import assignments
from elearn.modules.reports.views import bp, export, listed, page_context, parse_filters, scope

TITLE = _l("Assignments")
listed("reports.assignments", TITLE, _l("Per unit, how many assigned people are done, on track or "
                                        "overdue, and who is overdue with what."))


@bp.route("/assignments", endpoint="assignments")
@coordinator_required
def assignments_report():
    filters = parse_filters(sorts=assignments.SORTS)
    now = utcnow()
    lines = assignments.by_unit(scope(), filters, now)
    overdue, page = assignments.overdue(scope(), filters, now, str(get_locale()))
    return render_template("reports/assignments.html", lines=lines, total=assignments.total(lines),
                           overdue=overdue, page=page, columns={c.key: c for c in assignments.COLUMNS},
                           **page_context(filters, "reports.assignments"))


@bp.route("/assignments.<fmt>", endpoint="assignments_export")
@coordinator_required
def assignments_export(fmt: str):
    filters = parse_filters(sorts=assignments.SORTS)
    locale = str(get_locale())
    return export(fmt, TITLE, lambda: assignments.table(scope(), filters, utcnow(), locale), filters)
