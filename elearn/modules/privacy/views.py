"""The person's own training record (page and JSON download), the public privacy page, and the admin's
anonymisation of a leaver."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.forms import save
from elearn.modules.admin.forms import ROLE_LABELS
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.decorators import admin_required, login_required
from elearn.modules.privacy import anonymise as leavers
from elearn.modules.privacy import record as records
from elearn.modules.privacy.forms import AnonymiseForm
from elearn.modules.privacy.retention import Periods
from elearn.modules.reports.record import LABELS
from elearn.modules.workshops.forms import NEED_STATUS_LABELS

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.route("/account/record")
@login_required
def own_record():
    data = records.own_record(current_user.id, utcnow(), str(get_locale()))
    response = make_response(render_template("privacy/record.html", record=data, labels=LABELS,
                                             role_labels=ROLE_LABELS, need_labels=NEED_STATUS_LABELS,
                                             now=utcnow()))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/record.json")
@login_required
def own_record_json():
    now = utcnow()
    document = records.as_json(records.own_record(current_user.id, now, str(get_locale())), now)
    if request.method == "GET":  # a HEAD request downloads nothing
        record(current_user.id, "record.downloaded", f"user:{current_user.id}", format="json")
        db.session.commit()
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="training-record-{now:%Y-%m-%d}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/privacy")
def privacy():
    return render_template("privacy/privacy.html", periods=Periods.from_config(current_app.config))


@bp.route("/admin/users/<int:user_id>/anonymise", methods=["GET", "POST"])
@admin_required
def anonymise(user_id: int):
    user = accounts.get_user(user_id)
    form = AnonymiseForm()
    if save(form, lambda: leavers.anonymise(current_user, user, form.confirmation.data, utcnow()) or True):
        flash(_("The account is anonymised."), "success")
        return redirect(url_for("admin.edit_user", user_id=user_id))
    return render_template("privacy/anonymise.html", form=form, user=user, own=user.id == current_user.id,
                           namesake=user.anonymised_at is None and leavers.has_namesake(user)), \
        400 if form.errors else 200
