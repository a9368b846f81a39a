"""The certification report and key-officer coverage pages, and their CSV / XLSX exports."""

from __future__ import annotations

from dataclasses import replace

from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from elearn.clock import utcnow
from elearn.errors import NotFound
from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.certification.services import certifying_paths, path_of
from elearn.modules.reports import certification, coverage
from elearn.modules.reports.filters import Page
from elearn.modules.reports.views import bp, export, listed, page_context, parse_filters, scope

TITLE = _l("Certification")
COVERAGE_TITLE = _l("Key-officer coverage")
listed("reports.certification", TITLE,
       _l("Per certifying path: who holds a valid certificate, whose expires within 30, 60 or 90 days, "
          "and who has an expired, revoked or no certificate."))
listed("reports.coverage", COVERAGE_TITLE,
       _l("Every unit with its number of valid key officers; units without one stand out."))


#: Coverage reads only the unit filter and has no sort or paging.
COVERAGE_RULES = {"reads": ("unit",), "sorts": ()}


def _filters():
    """The filters, the path and the certificate state (carried in the filters' extras)."""
    paths = certifying_paths()
    filters = parse_filters(sorts=certification.SORTS, path_required=True,
                            default_path=paths[0].slug if paths else None,
                            extras={"state": certification.parse_state})
    path = path_of(filters.path_slug)
    if path is None:
        raise NotFound(_l("No such learning path."))
    state = filters.extra_arg("state")
    return filters, path, state and certification.CertState(state)


@bp.route("/certification", endpoint="certification")
@coordinator_required
def certification_report():
    filters, path, state = _filters()
    viewer_scope, now, locale = scope(), utcnow(), str(get_locale())
    counts = certification.counts(viewer_scope, filters, path, now)
    page = Page(filters.page, filters.per_page, counts[state] if state else sum(counts.values()))
    context = page_context(filters, "reports.certification")
    context.update(options=replace(context["options"],
                                   paths=[(p.slug, p.title(locale)) for p in certifying_paths()]))
    return render_template(
        "reports/certification.html", path=path, locale=locale, counts=counts, page=page, chosen=state,
        rows=list(certification.rows(viewer_scope, filters, path, now, state, page)),
        labels={state: str(label) for state, label in certification.LABELS.items()},
        states=list(certification.CertState), **context)


@bp.route("/certification.<fmt>")
@coordinator_required
def certification_export(fmt: str):
    filters, path, state = _filters()
    viewer_scope, now, locale = scope(), utcnow(), str(get_locale())
    return export(fmt, TITLE, lambda: certification.table(viewer_scope, filters, path, now, state, locale),
                  filters)


@bp.route("/coverage", endpoint="coverage")
@coordinator_required
def coverage_report():
    filters = parse_filters(**COVERAGE_RULES)
    rows = coverage.coverage(scope(), filters, utcnow())
    return render_template("reports/coverage.html", rows=rows, uncovered=coverage.uncovered(rows),
                           without_members=coverage.without_members(rows),
                           **page_context(filters, "reports.coverage"))


@bp.route("/coverage.<fmt>")
@coordinator_required
def coverage_export(fmt: str):
    filters = parse_filters(**COVERAGE_RULES)
    return export(fmt, COVERAGE_TITLE, lambda: coverage.table(scope(), filters, utcnow()), filters)
