"""Certification pages: a path's requirements, the certificate (HTML and PDF), public verification,
the key-officer directory, and the coordinator's overview with revocation."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn.clock import utcnow
from elearn.extensions import db, limiter
from elearn.forms import save
from elearn.modules.auth.decorators import coordinator_required, login_required
from elearn.modules.auth.models import Role
from elearn.modules.auth.services import scope_unit_ids
from elearn.modules.certification import directory, pages, services
from elearn.modules.certification.forms import CompareForm, RevokeForm
from elearn.modules.certification.models import CertificateAward
from elearn.modules.courses.services import catalogue
from elearn.qr import qr_svg

bp = Blueprint("certification", __name__, template_folder="templates")


def _locale() -> str:
    return str(get_locale())


@bp.route("/paths/<slug>")
@login_required
def path(slug: str):
    learning_path = catalogue().path(slug)
    if learning_path is None:
        abort(404)
    view = pages.path_page(current_user.id, learning_path, _locale(), utcnow())
    return render_template("certification/path.html", page=view)


@bp.route("/certificates/<number>")
@login_required
def certificate(number: str):
    award = services.award_for_viewer(current_user, number)
    view = pages.certificate_page(award, _locale(), utcnow())
    return render_template("certification/certificate.html", page=view,
                           qr=qr_svg(view.verify_url, _("QR code to the verification page")))


@bp.route("/certificates/<number>/certificate.pdf")
@login_required
def download(number: str):
    award = services.award_for_viewer(current_user, number)
    revision = services.revision_of(award, request.args.get("revision", type=int))
    response = Response(revision.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{award.number}-{revision.number}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/verify/<number>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT"], scope="verify")
def verify(number: str):
    award = services.award_by_number(number)
    if award.number != number:  # typed in lower case or with O for 0: show the canonical address
        return redirect(url_for("certification.verify", number=award.number))
    form = CompareForm()
    match = None
    if form.validate_on_submit():
        match = _compare(form, services.revisions(award))
    view = pages.verification_page(award, _locale(), utcnow())
    return render_template("certification/verify.html", page=view, form=form, match=match), (
        400 if form.errors else 200)


def _compare(form: CompareForm, revisions) -> object:
    return services.matching_revision(revisions, form.pdf.data.read() if form.pdf.data else None,
                                      form.fingerprint.data)


@bp.route("/key-officers")
@login_required
def key_officers():
    query = request.args.get("q", "")[:directory.QUERY_MAX]
    groups = directory.key_officers(utcnow(), query)
    return render_template("certification/directory.html", groups=groups, query=query,
                           titles=pages.path_titles(_locale()),
                           coordinates=current_user.has_role(Role.COORDINATOR, Role.ADMIN))


@bp.route("/certification/manage")
@coordinator_required
def manage():
    view = directory.overview(scope_unit_ids(current_user), utcnow())
    return render_template("certification/manage.html", view=view, days=directory.DROP_OUT_DAYS,
                           titles=pages.path_titles(_locale()))


@bp.route("/certification/awards/<int:award_id>/revoke", methods=["GET", "POST"])
@coordinator_required
def revoke(award_id: int):
    award = db.session.get(CertificateAward, award_id)
    if award is None:
        abort(404)
    if not services.can_manage(current_user, award):
        abort(403)
    form = RevokeForm()
    if save(form, lambda: services.revoke(current_user, award, form.reason.data, utcnow())):
        flash(_("The certificate is revoked."), "success")
        return redirect(url_for("certification.manage"))
    return render_template("certification/revoke.html", form=form,
                           page=pages.certificate_page(award, _locale(), utcnow())), (
        400 if form.errors else 200)
