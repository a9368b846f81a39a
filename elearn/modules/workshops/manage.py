"""The coordinator's pages: schedule, move and cancel sessions, invite, registrations, exports,
feedback and knowledge needs; everything limited to the coordinator's units."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from elearn.clock import utcnow
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.forms import act, apply_error, choices, save
from elearn.modules.auth.decorators import coordinator_required
from elearn.modules.auth.services import get_user, scope_unit_ids
from elearn.modules.courses.services import catalogue
from elearn.modules.units import services as units
from elearn.modules.workshops import feedback, notify, queries, scheduling, services
from elearn.modules.workshops.forms import (
    AUDIENCE_LABELS,
    NEED_STATUS_LABELS,
    CancelRegistrationForm,
    CancelSessionForm,
    InviteForm,
    NeedStatusForm,
    SessionForm,
)
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.models import Audience, NeedStatus
from elearn.modules.workshops.times import to_local, to_utc
from elearn.modules.workshops.views import bp, workshop_choices


def _unit_choices():
    scope = scope_unit_ids(current_user)
    rows = [row for row in units.tree() if scope is None or row.unit.id in scope]
    return choices((row.unit.id, "\u2003" * row.depth + row.unit.name) for row in rows)


def _session_form(session=None) -> SessionForm:
    form = SessionForm()
    if session is not None and not form.is_submitted():
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        form = SessionForm(data={
            "workshop_slug": session.workshop_slug, "unit_id": session.unit_id,
            "date": start.date(), "start_time": start.time(), "end_time": end.time(),
            "place": session.place, "online_url": session.online_url,
            "facilitator_email": session.facilitator.email if session.facilitator else "",
            "capacity": session.capacity, "audience": session.audience.value,
            "registration_deadline": to_local(session.registration_deadline).replace(tzinfo=None),
            "cancellation_deadline": to_local(session.cancellation_deadline).replace(tzinfo=None)})
    elif not form.is_submitted():
        form.workshop_slug.data = request.args.get("workshop", "")
    form.workshop_slug.choices = workshop_choices(_("— choose —"))
    form.unit_id.choices = _unit_choices()
    return form


def _deadline(value):
    return to_utc(value.date(), value.time()) if value else None


def _plan(form: SessionForm) -> scheduling.SessionPlan:
    """The form as a plan; raises DomainError for a facilitator address that matches nobody."""
    facilitator_id = scheduling.facilitator_id(form.facilitator_email.data or "")
    day: date = form.date.data
    return scheduling.SessionPlan(
        workshop_slug=form.workshop_slug.data, unit_id=form.unit_id.data,
        starts_at=to_utc(day, form.start_time.data), ends_at=to_utc(day, form.end_time.data),
        place=(form.place.data or "").strip(), online_url=(form.online_url.data or "").strip(),
        facilitator_id=facilitator_id, capacity=form.capacity.data,
        audience=Audience(form.audience.data),
        registration_deadline=_deadline(form.registration_deadline.data),
        cancellation_deadline=_deadline(form.cancellation_deadline.data))


@bp.route("/workshops/manage")
@coordinator_required
def manage():
    past = request.args.get("past") == "1"
    rows = queries.sessions_in_scope(scope_unit_ids(current_user), utcnow(), past=past)
    return render_template("workshops/manage.html", rows=rows, past=past,
                           locale=str(get_locale()), title=notify.title,
                           ratings=feedback.ratings_by_session(r.session.id for r in rows))


@bp.route("/workshops/manage/sessions/new", methods=["GET", "POST"])
@coordinator_required
def new_session():
    form = _session_form()
    saved = save(form, lambda: scheduling.schedule(get_user(current_user.id), _plan(form),
                                                   utcnow()))
    if saved:
        flash(_("The session is scheduled."), "success")
        return redirect(url_for("workshops.manage_session", session_id=saved.id))
    return render_template("workshops/session_form.html", form=form, session=None), \
        400 if form.errors else 200


@bp.route("/workshops/manage/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_session(session_id: int):
    session = scheduling.get_session_for(session_id, current_user)
    form = _session_form(session)
    if save(form, lambda: scheduling.update(get_user(current_user.id), session, _plan(form),
                                            (form.reason.data or "").strip(), utcnow())) is not None:
        flash(_("The session is saved. People registered were told of any new time or place."),
              "success")
        return redirect(url_for("workshops.manage_session", session_id=session.id))
    return render_template("workshops/session_form.html", form=form, session=session,
                           cancel_form=CancelSessionForm(prefix="cancel")), 400 if form.errors else 200


@bp.route("/workshops/manage/sessions/<int:session_id>/cancel", methods=["POST"])
@coordinator_required
def cancel_session(session_id: int):
    session = scheduling.get_session_for(session_id, current_user)
    form = CancelSessionForm(prefix="cancel")
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(_("Reason: %(message)s", message=message), "error")
        return redirect(url_for("workshops.edit_session", session_id=session.id))
    if act(lambda: scheduling.cancel_session(get_user(current_user.id), session,
                                             form.reason.data)):
        flash(_("The session is cancelled and everyone registered is told."), "success")
    return redirect(url_for("workshops.manage_session", session_id=session.id))


@bp.route("/workshops/manage/sessions/<int:session_id>")
@coordinator_required
def manage_session(session_id: int):
    session = scheduling.get_session_for(session_id, current_user)
    registrations, now = queries.registrations(session.id), utcnow()
    return render_template(
        "workshops/manage_session.html", session=session,
        title=notify.title(session, str(get_locale())),
        registrations=registrations, invitees=queries.invitees(session.id),
        cancellable={r.id for r in registrations if services.can_be_cancelled(r, session, now)},
        counts=services.counts([session.id])[session.id], state_labels=services.STATE_LABELS,
        audience_labels=AUDIENCE_LABELS, feedback=feedback.session_feedback(session.id),
        rating=feedback.ratings_by_session([session.id])[session.id],
        cancel_form=CancelRegistrationForm())


@bp.route("/workshops/manage/registrations/<int:registration_id>/cancel", methods=["POST"])
@coordinator_required
def cancel_for(registration_id: int):
    registration = services.get_registration(registration_id)
    session = scheduling.get_session_for(registration.session_id, current_user)
    if CancelRegistrationForm().validate_on_submit() and act(lambda: scheduling.cancel_for(
            get_user(current_user.id), registration, utcnow())):
        flash(_("%(name)s: %(state)s.", name=registration.user.name,
                state=services.STATE_LABELS[registration.state]), "success")
    return redirect(url_for("workshops.manage_session", session_id=session.id))


def _invitee_ids(form: InviteForm) -> set[int]:
    path = catalogue().path(form.path.data)
    return scheduling.invitees(form.unit_ids.data or [], path.modules if path else (),
                               form.emails.data or "")


@bp.route("/workshops/manage/sessions/<int:session_id>/invite", methods=["GET", "POST"])
@coordinator_required
def invite(session_id: int):
    session = scheduling.get_session_for(session_id, current_user)
    form = InviteForm()
    form.unit_ids.choices = _unit_choices()
    locale = str(get_locale())
    form.path.choices = choices([("", _("— none —"))] + [(p.slug, p.title(locale))
                                                         for p in catalogue().paths])
    if form.validate_on_submit():
        try:
            result = scheduling.invite(get_user(current_user.id), session, _invitee_ids(form),
                                       utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            db.session.commit()
            flash(ngettext("%(num)d person invited and e-mailed.",
                           "%(num)d people invited and e-mailed.", result.invited), "success")
            if result.skipped:
                flash(ngettext("%(num)d person was not invited: outside your units or deactivated.",
                               "%(num)d people were not invited: outside your units or deactivated.",
                               result.skipped), "error")
            return redirect(url_for("workshops.manage_session", session_id=session.id))
    return render_template("workshops/invite.html", form=form, session=session,
                           title=notify.title(session, locale)), 400 if form.errors else 200


def _csv_response(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}-{utcnow():%Y-%m-%d}.csv"'})


def _export_rows(pairs):
    locale = str(get_locale())
    for session, registration in pairs:
        user = registration.user
        yield [notify.title(session, locale), to_local(session.starts_at).strftime("%Y-%m-%d %H:%M"),
               user.name, user.email, user.unit.name if user.unit else "",
               services.STATE_LABELS[registration.state],
               to_local(registration.queued_at).strftime("%Y-%m-%d %H:%M"),
               to_local(registration.checked_in_at).strftime("%Y-%m-%d %H:%M")
               if registration.checked_in_at else "", registration.cancel_reason]


EXPORT_HEADER = ["workshop", "session_start", "name", "email", "unit", "state", "registered_at",
                 "checked_in_at", "cancel_reason"]


@bp.route("/workshops/manage/sessions/<int:session_id>/registrations.csv")
@coordinator_required
def export_session(session_id: int):
    session = scheduling.get_session_for(session_id, current_user)
    pairs = queries.attendance_rows(None, session.id)
    return _csv_response(queries.csv_text(EXPORT_HEADER, _export_rows(pairs)),
                         f"workshop-session-{session.id}")


@bp.route("/workshops/manage/attendance.csv")
@coordinator_required
def export_attendance():
    pairs = queries.attendance_rows(scope_unit_ids(current_user))
    return _csv_response(queries.csv_text(EXPORT_HEADER, _export_rows(pairs)),
                         "workshop-attendance")


@bp.route("/workshops/manage/feedback")
@coordinator_required
def feedback_overview():
    return render_template("workshops/feedback_overview.html",
                           results=feedback.feedback_by_workshop(scope_unit_ids(current_user)),
                           workshops=workshops(), locale=str(get_locale()))


@bp.route("/workshops/manage/needs")
@coordinator_required
def needs():
    status = request.args.get("status", "")
    chosen = NeedStatus(status) if status in NeedStatus._value2member_map_ else None
    return render_template("workshops/needs.html",
                           groups=feedback.needs_in_scope(current_user, chosen), status=chosen,
                           labels=NEED_STATUS_LABELS, workshops=workshops(),
                           locale=str(get_locale()), form=NeedStatusForm())


@bp.route("/workshops/manage/needs/<int:need_id>/status", methods=["POST"])
@coordinator_required
def set_need_status(need_id: int):
    form = NeedStatusForm()
    if form.validate_on_submit() and act(lambda: feedback.set_need_status(
            current_user, need_id, NeedStatus(form.status.data))):
        flash(_("The status is saved."), "success")
    elif form.errors:
        flash(_("Choose a status from the list."), "error")
    return redirect(url_for("workshops.needs"))
