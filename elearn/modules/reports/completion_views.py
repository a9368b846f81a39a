"""The completion matrix page and its CSV / XLSX export."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.courses.services import catalogue
from elearn.modules.reports import completion as matrix
from elearn.modules.reports.views import bp, export, listed, page_context, parse_filters, scope

TITLE = _l("Completion matrix")
listed("reports.completion", TITLE,
       _l("People against the modules of a learning path: status and best quiz score, with totals per "
          "module and per unit."))


def _filters():
    filters = parse_filters(sorts=matrix.SORTS, path_required=True)
    return filters, catalogue().path(filters.path_slug)


def _texts(rows: list[matrix.MatrixRow], modules: int) -> dict:
    """The cells' words, translated once per page rather than once per cell (a 500-row page has
    thousands of cells)."""
    percents = {cell.percent for row in rows for cell in row.cells if cell.percent is not None}
    return {"labels": {status: str(label) for status, label in matrix.STATUS_LABELS.items()},
            "scores": {p: _("Best score %(percent)s", percent=_("%(percent)d%%", percent=p))
                       for p in percents},
            "done": {n: _("%(done)d of %(total)d", done=n, total=modules) for n in range(modules + 1)}}


@bp.route("/completion")
@coordinator_required
def completion():
    filters, path = _filters()
    viewer_scope = scope()
    page, modules = matrix.page_of(viewer_scope, filters), matrix.path_modules(path)
    rows = list(matrix.matrix_rows(viewer_scope, filters, path, page))
    return render_template(
        "reports/completion.html", path=path, page=page, locale=str(get_locale()), modules=modules,
        rows=rows, **_texts(rows, len(modules)),
        module_totals=matrix.module_totals(viewer_scope, filters, path, page.total),
        unit_totals=matrix.unit_totals(viewer_scope, filters, path),
        **page_context(filters, "reports.completion"))


@bp.route("/completion.<fmt>")
@coordinator_required
def completion_export(fmt: str):
    filters, path = _filters()
    viewer_scope = scope()
    return export(fmt, TITLE, lambda: matrix.table(viewer_scope, filters, path, str(get_locale())), filters)
