"""Coordinator pages: assignments (list, new, the people one reaches, withdraw) and cohorts (list, new,
members, rename, delete, CSV import with a preview). Ids out of the viewer's scope answer 404."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn.clock import utcnow
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.forms import act, apply_error, bounded_int, choices, save
from elearn.modules.admin import roster
from elearn.modules.admin.forms import ActionForm
from elearn.modules.assignments import cohorts, pages, services
from elearn.modules.assignments.forms import (
    AssignmentForm,
    CohortForm,
    ImportConfirmForm,
    ImportUploadForm,
    MemberForm,
    RenameForm,
)
from elearn.modules.assignments.models import Audience
from elearn.modules.auth import services as accounts
from elearn.modules.auth.decorators import coordinator_required

bp = Blueprint("assignments", __name__, template_folder="templates")


def _scope():
    return accounts.scope_unit_ids(current_user)


@bp.route("/assignments")
@coordinator_required
def index():
    page = pages.assignment_page(_scope(), utcnow(), str(get_locale()),
                                 request.args.get("page", 1, type=bounded_int) or 1)
    return render_template("assignments/index.html", page=page)


def _assignment_form(scope) -> AssignmentForm:
    form = AssignmentForm()
    locale = str(get_locale())
    form.target.choices = choices([("", _("— choose —")), *pages.target_choices(locale)])
    form.unit.choices = choices(pages.unit_choices(scope, _("— choose a unit —")))
    form.cohort.choices = choices(pages.cohort_choices(scope))
    return form


def _create(form: AssignmentForm):
    audience = Audience(form.audience.data)
    if audience == Audience.PERSON:
        person = accounts.find_user_by_email(form.person.data or "")
        audience_id = person.id if person else None
    else:
        audience_id = form.unit.data if audience == Audience.UNIT else form.cohort.data
    return services.create_assignment(current_user, services.parse_target(form.target.data), audience,
                                      audience_id, form.due_on.data, utcnow())


@bp.route("/assignments/new", methods=["GET", "POST"])
@coordinator_required
def new():
    form = _assignment_form(_scope())
    saved = save(form, lambda: _create(form))
    if saved:
        flash(_("The assignment is saved; everyone it reaches is told by e-mail."), "success")
        return redirect(url_for("assignments.show", assignment_id=saved.id))
    return render_template("assignments/new.html", form=form), 400 if form.errors else 200


@bp.route("/assignments/<int:assignment_id>")
@coordinator_required
def show(assignment_id: int):
    scope, now = _scope(), utcnow()
    assignment = services.get_assignment(assignment_id, scope)
    line = next(iter(pages.assignment_lines(scope, now, str(get_locale()), assignment.id)), None)
    page = pages.people_page(assignment.id, scope, now,
                             request.args.get("page", 1, type=bounded_int) or 1)
    return render_template("assignments/show.html", assignment=assignment, line=line, page=page,
                           action_form=ActionForm())


@bp.route("/assignments/<int:assignment_id>/withdraw", methods=["POST"])
@coordinator_required
def withdraw(assignment_id: int):
    assignment = services.get_manageable(assignment_id, _scope())
    if act(lambda: services.withdraw(current_user, assignment, utcnow())):
        flash(_("The assignment is withdrawn."), "success")
        return redirect(url_for("assignments.index"))
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.route("/cohorts")
@coordinator_required
def cohort_list():
    return render_template("assignments/cohorts.html", rows=cohorts.cohorts_in_scope(_scope()))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@coordinator_required
def new_cohort():
    form = CohortForm()
    form.unit.choices = choices(pages.unit_choices(_scope(), _("— choose a unit —")))
    saved = save(form, lambda: cohorts.create_cohort(current_user, form.name.data, form.unit.data))
    if saved:
        flash(_("The cohort %(name)s is created. Now add its members.", name=saved.name), "success")
        return redirect(url_for("assignments.cohort", cohort_id=saved.id))
    return render_template("assignments/cohort_new.html", form=form), 400 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@coordinator_required
def cohort(cohort_id: int):
    scope = _scope()
    group = cohorts.get_cohort(cohort_id, scope)
    form = MemberForm(prefix="member")
    added = save(form, lambda: cohorts.add_member(current_user, group, form.email.data))
    if added:
        flash(_("%(name)s is added.", name=added.name), "success")
        return redirect(url_for("assignments.cohort", cohort_id=cohort_id))
    return render_template("assignments/cohort.html", cohort=group, form=form,
                           members=cohorts.members(group, scope), action_form=ActionForm(),
                           rename=RenameForm(prefix="rename", data={"name": group.name})
                           ), 400 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/rename", methods=["POST"])
@coordinator_required
def rename_cohort(cohort_id: int):
    group = cohorts.get_cohort(cohort_id, _scope())
    form = RenameForm(prefix="rename")
    if not form.validate_on_submit():
        flash(_("Give the cohort a name of 1–%(max)d characters.", max=cohorts.NAME_MAX), "error")
    elif act(lambda: cohorts.rename_cohort(current_user, group, form.name.data)):
        flash(_("The cohort is renamed."), "success")
    return redirect(url_for("assignments.cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/delete", methods=["POST"])
@coordinator_required
def delete_cohort(cohort_id: int):
    group = cohorts.get_cohort(cohort_id, _scope())
    if act(lambda: cohorts.delete_cohort(current_user, group)):
        flash(_("The cohort is deleted."), "success")
        return redirect(url_for("assignments.cohort_list"))
    return redirect(url_for("assignments.cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
@coordinator_required
def remove_member(cohort_id: int, user_id: int):
    group = cohorts.get_cohort(cohort_id, _scope())
    cohorts.remove_member(current_user, group, user_id)
    db.session.commit()
    flash(_("The member is removed."), "success")
    return redirect(url_for("assignments.cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@coordinator_required
def import_members(cohort_id: int):
    group = cohorts.get_cohort(cohort_id, _scope())
    form = ImportUploadForm()
    if form.validate_on_submit():
        content = roster.decode(form.file.data.read())
        try:
            plan = cohorts.plan_import(current_user, group, content)
        except DomainError as error:
            apply_error(form, DomainError(error.message, field="file"))
        else:
            return render_template("assignments/import_preview.html", cohort=group, plan=plan,
                                   confirm=ImportConfirmForm(content=content))
    return render_template("assignments/import.html", cohort=group, form=form), \
        400 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/import/confirm", methods=["POST"])
@coordinator_required
def confirm_import(cohort_id: int):
    group = cohorts.get_cohort(cohort_id, _scope())
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash(_("The import form had expired; upload the file again."), "error")
        return redirect(url_for("assignments.import_members", cohort_id=cohort_id))
    try:
        plan = cohorts.apply_import(current_user, group, form.content.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("assignments.import_members", cohort_id=cohort_id))
    db.session.commit()
    flash(_("%(added)d added, %(already)d already members, %(skipped)d lines skipped.",
            added=len(plan.additions), already=len(plan.already), skipped=len(plan.problems)), "success")
    return redirect(url_for("assignments.cohort", cohort_id=cohort_id))
