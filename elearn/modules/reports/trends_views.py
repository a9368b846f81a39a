"""The trends report: two accessible SVG bar charts, each with a table of the same numbers right
below, and the CSV/XLSX export of those numbers."""

from __future__ import annotations

from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elearn.clock import utcnow
from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.reports import trends
from elearn.modules.reports.charts import Category, Series, bar_chart
from elearn.modules.reports.filters import ReportFilters
from elearn.modules.reports.views import bp, export, listed, page_context, parse_filters, scope

TITLE = _l("Trends")
listed("reports.trends", TITLE, _l("Module completions and certificates issued or renewed, month by "
                                   "month, as charts with the numbers in tables."))


def _categories(months: list[trends.Month]) -> list[Category]:
    return [Category(format_date(month.first, "LLL"), format_date(month.first, "LLLL yyyy"),
                     str(month.first.year) if number == 0 or month.first.month == 1 else "")
            for number, month in enumerate(months)]


def _charts(months: list[trends.Month]) -> dict:
    categories = _categories(months)
    period = _("from %(first)s to %(last)s", first=categories[0].name, last=categories[-1].name)
    completions = bar_chart(
        "chart-completions", _("Module completions per month"),
        _("Bar chart of module completions per month, %(period)s. The numbers are in the table "
          "below.", period=period), categories,
        [Series(str(trends.COLUMNS[1].label), tuple(m.completions for m in months))],
        _("Completions"), _("Month"))
    certificates = bar_chart(
        "chart-certificates", _("Certificates issued and renewed per month"),
        _("Bar chart of certificates issued (solid bars) and renewed (hatched bars) per month, "
          "%(period)s. The numbers are in the table below.", period=period), categories,
        [Series(str(trends.COLUMNS[2].label), tuple(m.issued for m in months)),
         Series(str(trends.COLUMNS[3].label), tuple(m.renewed for m in months), hatched=True)],
        _("Certificates"), _("Month"))
    return {"completions_chart": completions, "certificates_chart": certificates}


def _filters() -> tuple[ReportFilters, int]:
    """The shared filters (no sort or paging) with the period in months among their extras."""
    filters = parse_filters(sorts=(), extras={"months": trends.parse_period})
    return filters, int(filters.extra_arg("months"))


@bp.route("/trends", endpoint="trends")
@coordinator_required
def trends_report():
    filters, period = _filters()
    months = trends.trends(scope(), filters, period, utcnow())
    return render_template("reports/trends.html", months=months, period=period, periods=trends.PERIODS,
                           columns=trends.COLUMNS, labels=[c.name for c in _categories(months)],
                           **_charts(months), **page_context(filters, "reports.trends"))


@bp.route("/trends.<fmt>", endpoint="trends_export")
@coordinator_required
def trends_export(fmt: str):
    filters, period = _filters()
    return export(fmt, TITLE, lambda: trends.table(scope(), filters, period, utcnow()), filters)
