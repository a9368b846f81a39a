"""Learner pages: sessions, registering and cancelling, calendar files, check-in, feedback, needs;
and the facilitator's sign-in list."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from elearn.clock import utcnow
from elearn.forms import act, choices, save
from elearn.modules.admin.forms import ActionForm
from elearn.modules.auth.decorators import login_required
from elearn.modules.auth.services import get_user
from elearn.modules.outbox.services import absolute_url
from elearn.modules.workshops import checkin, feedback, notify, queries, scheduling, services
from elearn.modules.workshops.forms import CancelRegistrationForm, FeedbackForm, NeedForm
from elearn.modules.workshops.loader import reading_list, workshops
from elearn.modules.workshops.models import RegistrationState
from elearn.qr import qr_svg

bp = Blueprint("workshops", __name__, template_folder="templates")


def visible_session(session_id: int):
    """The session if the current user may see it (else 404, so nothing leaks)."""
    session = services.get_session(session_id)
    if not (queries.can_see(session, current_user.id) or scheduling.can_manage(current_user, session)
            or session.facilitator_id == current_user.id):
        abort(404)
    return session


def workshop_choices(blank: str | None = None):
    locale = str(get_locale())
    pairs = [("", blank)] if blank else []
    return choices(pairs + [(slug, w.text(locale).title) for slug, w in workshops().items()])


@bp.route("/workshops")
@login_required
def index():
    now = utcnow()
    return render_template("workshops/index.html", rows=queries.sessions_for_learner(
        current_user.id, now), attended=queries.past_attended(current_user.id),
        workshops=workshops(), locale=str(get_locale()), state_labels=services.STATE_LABELS)


@bp.route("/workshops/themes/<slug>")
@login_required
def theme(slug: str):
    workshop = workshops().get(slug)
    if workshop is None:
        abort(404)
    rows = [r for r in queries.sessions_for_learner(current_user.id, utcnow())
            if r.session.workshop_slug == slug]
    locale = str(get_locale())
    return render_template("workshops/theme.html", workshop=workshop, text=workshop.text(locale),
                           rows=rows, reading=reading_list(workshop, locale))


@bp.route("/workshops/sessions/<int:session_id>")
@login_required
def session(session_id: int):
    session = visible_session(session_id)
    registration = services.find_registration(session.id, current_user.id)
    workshop = workshops().get(session.workshop_slug)
    invited = services.is_invited(session.id, current_user.id)
    return render_template(
        "workshops/session.html", session=session, registration=registration,
        text=workshop.text(str(get_locale())) if workshop else None,
        reading=reading_list(workshop, str(get_locale())) if workshop else [],
        counts=services.counts([session.id])[session.id],
        choices=services.learner_choices(session, registration, invited, utcnow()),
        position=registration and services.waitlist_position(registration),
        cancel_form=CancelRegistrationForm(), action_form=ActionForm(), state_labels=services.STATE_LABELS,
        can_manage=scheduling.can_manage(current_user, session),
        can_give_feedback=feedback.can_give_feedback(session, current_user.id))


@bp.route("/workshops/sessions/<int:session_id>/register", methods=["POST"])
@login_required
def register(session_id: int):
    session = visible_session(session_id)
    if ActionForm().validate_on_submit() and act(lambda: services.register(
            session, get_user(current_user.id), utcnow())):
        registration = services.find_registration(session.id, current_user.id)
        flash(_("You are registered. A confirmation with a calendar file is on its way.")
              if registration.state is RegistrationState.REGISTERED else
              _("The session is full, so you are on the waiting list. You get a place "
                "automatically if one becomes free."), "success")
    return redirect(url_for("workshops.session", session_id=session.id))


@bp.route("/workshops/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel_registration(session_id: int):
    session = visible_session(session_id)
    registration = services.find_registration(session.id, current_user.id)
    form = CancelRegistrationForm()
    if registration is None:
        abort(404)
    if form.validate_on_submit() and act(lambda: services.cancel(registration, utcnow(),
                                                                  form.reason.data or "")):
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("workshops.session", session_id=session.id))


@bp.route("/workshops/sessions/<int:session_id>/calendar.ics")
@login_required
def calendar(session_id: int):
    session = visible_session(session_id)
    text = notify.calendar_file(session, str(get_locale()))
    return Response(text, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="workshop-{session.id}.ics"'})


@bp.route("/workshops/sessions/<int:session_id>/feedback", methods=["GET", "POST"])
@login_required
def give_feedback(session_id: int):
    session = visible_session(session_id)
    if not feedback.can_give_feedback(session, current_user.id):
        abort(403)
    form = FeedbackForm(obj=feedback.own_feedback(session.id, current_user.id))
    if save(form, lambda: feedback.give_feedback(session, current_user.id, form.rating.data,
                                                 form.useful.data or "", form.missing.data or "")):
        flash(_("Thank you for your feedback."), "success")
        return redirect(url_for("workshops.index"))
    return render_template("workshops/feedback.html", form=form, session=session,
                           title=notify.title(session, str(get_locale()))), \
        400 if form.errors else 200


@bp.route("/workshops/check-in/<token>", methods=["GET", "POST"])
@login_required
def check_in(token: str):
    session = services.get_session(checkin.read_token(token))
    form = ActionForm()
    if form.validate_on_submit() and act(
            lambda: services.check_in(session, current_user.id, utcnow())):
        flash(_("You are checked in. The facilitator will confirm your attendance."), "success")
        return redirect(url_for("workshops.session", session_id=session.id))
    return render_template("workshops/check_in.html", session=session, form=form,
                           title=notify.title(session, str(get_locale())))


@bp.route("/workshops/needs/new", methods=["GET", "POST"])
@login_required
def send_need():
    form = NeedForm()
    form.workshop_slug.choices = workshop_choices(_("— none —"))
    if save(form, lambda: feedback.send_need(get_user(current_user.id), form.topic.data,
                                             form.why.data or "", form.workshop_slug.data or "",
                                             utcnow())):
        flash(_("Thank you. The coordinators of your unit will see what you need."), "success")
        return redirect(url_for("workshops.index"))
    return render_template("workshops/need_form.html", form=form), 400 if form.errors else 200


def attendance_session(session_id: int):
    session = services.get_session(session_id)
    scheduling.require_attendance_taker(current_user, session)
    return session


@bp.route("/workshops/sessions/<int:session_id>/sign-in")
@login_required
def sign_in_list(session_id: int):
    session = attendance_session(session_id)
    rows = [r for r in queries.registrations(session.id) if r.state in services.HOLDS_PLACE]
    return render_template("workshops/sign_in.html", session=session, rows=rows,
                           title=notify.title(session, str(get_locale())),
                           form=ActionForm(), state_labels=services.STATE_LABELS,
                           checked_in=sum(1 for r in rows if r.checked_in_at
                                          and r.state is RegistrationState.REGISTERED))


@bp.route("/workshops/registrations/<int:registration_id>/attendance", methods=["POST"])
@login_required
def mark_attendance(registration_id: int):
    registration = services.get_registration(registration_id)
    session = attendance_session(registration.session_id)
    value = request.form.get("attendance")
    if value not in ("attended", "no_show"):
        abort(400)
    attended = value == "attended"
    if ActionForm().validate_on_submit() and act(lambda: services.mark_attendance(
            registration, attended, current_user.id, utcnow())):
        flash(_("%(name)s: %(state)s.", name=registration.user.name,
                state=services.STATE_LABELS[registration.state]), "success")
    return redirect(url_for("workshops.sign_in_list", session_id=session.id))


@bp.route("/workshops/sessions/<int:session_id>/confirm-check-ins", methods=["POST"])
@login_required
def confirm_check_ins(session_id: int):
    session = attendance_session(session_id)
    confirmed = []
    if ActionForm().validate_on_submit() and act(lambda: confirmed.append(
            services.confirm_check_ins(session, current_user.id, utcnow()))):
        flash(ngettext("%(num)d checked-in person marked as attended.",
                       "%(num)d checked-in people marked as attended.", confirmed[0]), "success")
    return redirect(url_for("workshops.sign_in_list", session_id=session.id))


@bp.route("/workshops/sessions/<int:session_id>/check-in-code")
@login_required
def check_in_code(session_id: int):
    session = attendance_session(session_id)
    url = absolute_url("workshops.check_in", token=checkin.make_token(session.id))
    title = notify.title(session, str(get_locale()))
    return render_template("workshops/check_in_code.html", session=session, url=url, title=title,
                           qr=qr_svg(url, _("Check-in code for %(title)s", title=title)),
                           minutes=checkin.VALID_SECONDS // 60)


@bp.app_template_filter("session_when")
def session_when(session) -> str:
    """'27. november 2026, 09:00–12:00' (Danish time) in the reader's language."""
    return notify.when(session)


@bp.app_template_filter("workshop_title")
def workshop_title(session) -> str:
    return notify.title(session, str(get_locale()))
