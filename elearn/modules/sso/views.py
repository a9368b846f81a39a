"""Single sign-on routes: off to the identity provider, and back with a verified identity."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn.extensions import db, limiter
from elearn.modules.auth import services as accounts
from elearn.modules.auth.forms import LoginForm
from elearn.modules.auth.signin import begin
from elearn.modules.sso import provider, services
from elearn.security import safe_next

bp = Blueprint("sso", __name__, template_folder="templates")
NEXT_KEY = "sso_next"
#: Per IP address, the start and the callback together: both may wait on the provider.
_per_ip = limiter.shared_limit(lambda: current_app.config["SSO_LIMIT"], scope="sso")


@bp.record_once
def _setup(state) -> None:
    services.Policy.from_config(state.app.config)  # a malformed role map stops the start
    provider.init_app(state.app)


@bp.app_context_processor
def _button() -> dict:
    """sso_label for the log-in page's button; None when single sign-on is off."""
    if not provider.enabled(current_app.config):
        return {"sso_label": None}
    return {"sso_label": current_app.config["OIDC_LABEL"] or _("Log in with single sign-on")}


def _refused(error: provider.SignOnFailed):
    db.session.rollback()
    form = LoginForm()
    form.form_errors.append(error.message)
    return render_template("auth/login.html", form=form, next_url=None), error.status


@bp.route("/login/sso")
@_per_ip
def start():
    if not provider.enabled(current_app.config):
        abort(404)
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("core.dashboard"))
    try:
        response = provider.authorize_redirect()
    except provider.SignOnFailed as error:
        return _refused(error)
    session[NEXT_KEY] = next_url
    return response


@bp.route("/login/sso/callback")
@_per_ip
def callback():
    """Single sign-on users skip the local two-factor step: the identity provider does that job."""
    if not provider.enabled(current_app.config):
        abort(404)
    next_url = safe_next(session.get(NEXT_KEY))
    policy = services.Policy.from_config(current_app.config)
    try:
        user = services.sign_on(services.identity(provider.verified_claims(), policy), policy)
    except provider.SignOnFailed as error:
        return _refused(error)
    begin(user, accounts.start_session(user), single_sign_on=True)
    db.session.commit()
    return redirect(next_url or url_for("core.dashboard"))
