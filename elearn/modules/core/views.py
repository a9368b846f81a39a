"""Dashboard, language switch, /healthz and /metrics."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from elearn.clock import utcnow
from elearn.config import LOCALES
from elearn.extensions import db, login_manager
from elearn.metrics import CONTENT_TYPE, exposition, from_this_machine
from elearn.modules.admin.forms import ROLE_LABELS
from elearn.modules.assignments.queries import for_learner
from elearn.modules.auth.decorators import login_required
from elearn.modules.auth.models import Role
from elearn.modules.auth.services import set_locale
from elearn.modules.certification.pages import dashboard_certificates
from elearn.modules.core import services
from elearn.modules.courses import pages
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes.pages import open_attempt_links
from elearn.modules.workshops.queries import dashboard as workshop_dashboard
from elearn.security import safe_next

bp = Blueprint("core", __name__, template_folder="templates")


@bp.route("/")
@login_required
def dashboard():
    locale = str(get_locale())
    return render_template("core/dashboard.html", shortcuts=shortcuts_for(current_user),
                           assignments=for_learner(current_user.id, utcnow(), locale),
                           role_names=[ROLE_LABELS[role] for role in sorted(current_user.roles)],
                           resume=pages.resume_links(catalogue(), current_user.id, locale),
                           attempts=open_attempt_links(current_user.id, locale),
                           cards=pages.card_list(catalogue(), locale),
                           workshops=workshop_dashboard(current_user.id, utcnow()),
                           certificates=dashboard_certificates(current_user.id, locale, utcnow()))


def shortcuts_for(user) -> list[dict]:
    """The dashboard's shortcut cards the user's roles open."""
    cards = [{"url": url_for("courses.modules"), "label": _l("Course modules"),
              "description": _l("Read the modules of your learning paths and see your progress.")},
             {"url": url_for("courses.search"), "label": _l("Search"),
              "description": _l("Find a topic across the course and the reference cards.")},
             {"url": url_for("workshops.index"), "label": _l("Workshops"),
              "description": _l("Register for workshop sessions, and tell the coordinators what you "
                                "need to learn.")},
             {"url": url_for("certification.key_officers"), "label": _l("Key officers"),
              "description": _l("Who the certified key officers are in each unit, and how to "
                                "reach them.")}]
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        cards += [{"url": url_for("assignments.index"), "label": _l("Assignments"),
                   "description": _l("Assign paths and modules with a due date to people, units "
                                     "and cohorts, and see who is on track.")},
                  {"url": url_for("admin.people"), "label": _l("People in your units"),
                   "description": _l("Who is in the units you coordinate.")},
                  {"url": url_for("quizzes.analysis_index"), "label": _l("Item analysis"),
                   "description": _l("Which quiz questions people get wrong, and which options "
                                     "they choose.")},
                  {"url": url_for("workshops.manage"), "label": _l("Workshop sessions"),
                   "description": _l("Schedule sessions, invite, take attendance and read "
                                     "feedback.")},
                  {"url": url_for("certification.manage"), "label": _l("Certificates"),
                   "description": _l("Who in your units is certified, who expires within 90 "
                                     "days, and revoking.")}]
    if user.has_role(Role.ADMIN):
        cards += [
            {"url": url_for("admin.users"), "label": _l("Users"),
             "description": _l("Create, edit and deactivate accounts.")},
            {"url": url_for("admin.roster_upload"), "label": _l("Import a roster"),
             "description": _l("Create and update many accounts from a CSV file.")},
            {"url": url_for("admin.units_list"), "label": _l("Units"),
             "description": _l("The districts, centres and teams people belong to.")},
        ]
    return cards


@bp.route("/language", methods=["POST"])
def switch_language():
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user.id, locale)
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("core.dashboard"))


@bp.route("/healthz")
def healthz():
    report = services.health()
    response = jsonify(report)
    response.status_code = 200 if report["status"] == services.OK else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/metrics")
def metrics():
    """For Prometheus on this machine, or an administrator: anyone else is sent to log in, or 403."""
    if not from_this_machine():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(Role.ADMIN):
            abort(403)
    return Response(exposition(services.figures), content_type=CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})
