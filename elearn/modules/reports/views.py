"""The reports blueprint and its landing page; each report adds its routes in its own views module
(registered in elearn/modules/__init__.py), calling the helpers here to parse and answer alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from elearn.clock import utcnow
from elearn.errors import NotFound
from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.auth.services import scope_unit_ids
from elearn.modules.certification.services import certifying_paths
from elearn.modules.reports import exports, filters
from elearn.modules.reports.options import filter_options
from elearn.modules.reports.overview import overview
from elearn.modules.reports.tables import Table, percent

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


@dataclass(frozen=True)
class ReportLink:
    endpoint: str
    label: object
    description: object


#: The reports listed on the landing page, in the order a coordinator works through them (the views
#: modules are imported in alphabetical order, so each says where it belongs).
ORDER = ("reports.completion", "reports.assignments", "reports.certification", "reports.coverage",
         "reports.trends")
REPORTS: list[ReportLink] = []


def listed(endpoint: str, label, description) -> None:
    """Put a report on the landing page (each report's views module calls this once); one not in
    ORDER goes last rather than stop the app from starting."""
    REPORTS.append(ReportLink(endpoint, label, description))
    REPORTS.sort(key=lambda report: ORDER.index(report.endpoint) if report.endpoint in ORDER else len(ORDER))


def scope() -> set[int] | None:
    """The viewer's units (None: all), worked out once per request (filters, rows and the filter
    form all ask)."""
    if "report_scope" not in g:
        g.report_scope = scope_unit_ids(current_user)
    return g.report_scope


def parse_filters(**rules) -> filters.ReportFilters:
    """The request's filters checked against the viewer's scope (see filters.parse for rules)."""
    return filters.parse(request.args, scope(), **rules)


def page_context(report_filters: filters.ReportFilters, endpoint: str) -> dict:
    """What the shared macros need: the filters, the options for the filter form, the endpoint."""
    return {"filters": report_filters, "endpoint": endpoint,
            "options": filter_options(scope(), str(get_locale()))}


def export(fmt: str, title, build: Callable[[], Table], report_filters: filters.ReportFilters):
    """The report as CSV or XLSX (404 for any other extension), audited; a HEAD request gets the
    headers only (build() makes the Table, whose rows are read only by a download)."""
    if fmt not in exports.FORMATS:
        raise NotFound(_l("Reports download as CSV or XLSX only."))
    table = build()
    if request.method == "HEAD":
        return exports.head(table.name, fmt)
    return exports.download(table, fmt, str(title), report_filters, current_user.id)


@bp.app_template_filter("whole_percent")
def whole_percent(fraction: float) -> int:
    """A fraction as a whole percentage, rounded as everywhere in the reports (tables.percent)."""
    return percent(fraction)


@bp.route("/")
@coordinator_required
def index():
    paths = {path.slug: path.title(str(get_locale())) for path in certifying_paths()}
    return render_template("reports/index.html", reports=REPORTS, paths=paths,
                           overview=overview(scope(), utcnow()))
