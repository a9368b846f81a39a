"""Admin pages for users, units and roster import; the coordinator's list of people in scope."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn.errors import DomainError
from elearn.extensions import db
from elearn.forms import act, apply_error, bounded_int, choices, save
from elearn.modules.admin import roster, services
from elearn.modules.admin.forms import (
    ROLE_LABELS,
    ActionForm,
    RosterConfirmForm,
    RosterUploadForm,
    UnitForm,
    UserForm,
)
from elearn.modules.auth import services as accounts
from elearn.modules.auth.decorators import admin_required, coordinator_required
from elearn.modules.auth.models import Role
from elearn.modules.units import services as units
from elearn.modules.units.models import UnitKind

bp = Blueprint("admin", __name__, template_folder="templates")


def _unit_choices(scope: set[int] | None = None, blank=True, exclude_path: str | None = None):
    rows = units.tree(services.units_in_scope(scope))
    pairs = [("", _("— none —"))] if blank else []
    pairs += [(row.unit.id, "\u2003" * row.depth + row.unit.name) for row in rows
              if not (exclude_path and row.unit.path.startswith(exclude_path))]
    return pairs


def _user_filter() -> services.UserFilter:
    role = request.args.get("role", "")
    active = request.args.get("active", "")
    return services.UserFilter(
        query=request.args.get("q", "")[:100],
        unit_id=request.args.get("unit", type=bounded_int),
        role=Role(role) if role in Role._value2member_map_ else None,
        active={"1": True, "0": False}.get(active))


def _user_list(scope: set[int] | None, template: str):
    filters = _user_filter()
    page = db.paginate(services.user_query(scope, filters), per_page=services.PAGE_SIZE,
                       page=request.args.get("page", 1, type=bounded_int) or 1, error_out=False,
                       max_per_page=services.PAGE_SIZE)
    links = {"previous": page.has_prev and url_for(request.endpoint, **filters.query_args(),
                                                   page=page.prev_num),
             "next": page.has_next and url_for(request.endpoint, **filters.query_args(),
                                               page=page.next_num)}
    return render_template(template, page=page, filters=filters, role_labels=ROLE_LABELS,
                           unit_choices=_unit_choices(scope), links=links)


@bp.route("/people")
@coordinator_required
def people():
    return _user_list(accounts.scope_unit_ids(current_user), "admin/people.html")


@bp.route("/admin/users")
@admin_required
def users():
    return _user_list(None, "admin/users.html")


def _user_form(user=None) -> UserForm:
    form = UserForm(obj=user, data={"roles": [r.value for r in user.roles]} if user else
                    {"roles": [Role.LEARNER.value]})
    form.unit_id.choices = choices(_unit_choices())
    form.scope_unit_ids.choices = choices(_unit_choices(blank=False))
    if user and not form.is_submitted():
        form.scope_unit_ids.data = [unit.id for unit in user.scope_units]
        form.locale.data = user.locale or ""
    return form


def _changes(form: UserForm) -> services.UserChanges:
    return services.UserChanges(
        name=form.name.data, email=form.email.data, unit_id=form.unit_id.data,
        roles=frozenset(Role(value) for value in form.roles.data), locale=form.locale.data,
        scope_unit_ids=tuple(form.scope_unit_ids.data), active=form.active.data,
        password=form.password.data or None, work_phone=form.work_phone.data or "",
        work_email=form.work_email.data or "")


@bp.route("/admin/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int | None):
    user = accounts.get_user(user_id) if user_id is not None else None
    form = _user_form(user)
    saved = save(form, lambda: services.save_user(current_user, user, _changes(form)))
    if saved:
        flash(_("%(name)s is saved.", name=saved.name), "success")
        return redirect(url_for("admin.edit_user", user_id=saved.id))
    return render_template("admin/user_form.html", form=form, user=user,
                           action_form=ActionForm()), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@admin_required
def set_user_active(user_id: int):
    user = accounts.get_user(user_id)
    active = request.form.get("active") == "1"
    if act(lambda: services.set_user_active(current_user, user, active)):
        flash(_("%(name)s is active.", name=user.name) if active else
              _("%(name)s is deactivated and logged out.", name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@admin_required
def reset_two_factor(user_id: int):
    user = accounts.get_user(user_id)
    if act(lambda: services.reset_two_factor(current_user, user)):
        flash(_("Two-factor authentication is off for %(name)s, who is logged out everywhere.",
                name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/admin/units")
@admin_required
def units_list():
    return render_template("admin/units.html", rows=units.tree(), kinds=UnitKind,
                           action_form=ActionForm())


@bp.route("/admin/units/new", methods=["GET", "POST"], defaults={"unit_id": None})
@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def edit_unit(unit_id: int | None):
    unit = units.get_unit(unit_id) if unit_id is not None else None
    form = UnitForm(obj=unit, data={"kind": unit.kind.value} if unit else {})
    form.parent_id.choices = choices(_unit_choices(exclude_path=unit.path if unit else None))
    saved = save(form, lambda: services.save_unit(current_user, unit, form.name.data, form.code.data,
                                                  UnitKind(form.kind.data), form.parent_id.data))
    if saved:
        flash(_("%(name)s is saved.", name=saved.name), "success")
        return redirect(url_for("admin.units_list"))
    return render_template("admin/unit_form.html", form=form, unit=unit,
                           action_form=ActionForm()), 400 if form.errors else 200


@bp.route("/admin/units/<int:unit_id>/delete", methods=["POST"])
@admin_required
def delete_unit(unit_id: int):
    unit = units.get_unit(unit_id)
    if not act(lambda: services.remove_unit(current_user, unit)):
        return redirect(url_for("admin.edit_unit", unit_id=unit_id))
    flash(_("The unit is removed."), "success")
    return redirect(url_for("admin.units_list"))


@bp.route("/admin/roster", methods=["GET", "POST"])
@admin_required
def roster_upload():
    form = RosterUploadForm()
    if form.validate_on_submit():
        content = roster.decode(form.file.data.read())
        try:
            plan = roster.plan(content)
        except DomainError as error:
            apply_error(form, DomainError(error.message, field="file"))
        else:
            return render_template("admin/roster_preview.html", plan=plan,
                                   confirm=RosterConfirmForm(content=content))
    return render_template("admin/roster_upload.html", form=form), 400 if form.errors else 200


@bp.route("/admin/roster/confirm", methods=["POST"])
@admin_required
def roster_confirm():
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        flash(_("The import form had expired; upload the file again."), "error")
        return redirect(url_for("admin.roster_upload"))
    try:
        plan = roster.apply(form.content.data, current_user.id, form.import_good_rows.data)
    except DomainError as error:
        db.session.rollback()
        plan = roster.plan(form.content.data)
        form.form_errors.append(error.message)
        return render_template("admin/roster_preview.html", plan=plan, confirm=form), 400
    db.session.commit()
    flash(_("Roster imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(skipped)d lines skipped.", created=plan.count("create"),
            updated=plan.count("update"), unchanged=plan.count("unchanged"),
            skipped=len(plan.problems)), "success")
    return redirect(url_for("admin.users"))
