"""Log in, log out, account preferences and password change."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from elearn.extensions import db, limiter, login_manager
from elearn.forms import save
from elearn.modules.auth import services
from elearn.modules.auth.decorators import login_required
from elearn.modules.auth.forms import LoginForm, PasswordChangeForm, PreferencesForm
from elearn.modules.auth.signin import SESSION_TOKEN_KEY, SINGLE_SIGN_ON_KEY
from elearn.modules.auth.signin import begin as _begin
from elearn.modules.auth.twofactor_login import after_password
from elearn.security import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")


@login_manager.user_loader
def _load_user(user_id: str):
    return services.load_session_user(user_id, session.get(SESSION_TOKEN_KEY),
                                      current_app.permanent_session_lifetime,
                                      single_sign_on=session.get(SINGLE_SIGN_ON_KEY) is True)


def _account_key() -> str:
    return "login-account:" + request.form.get("email", "").strip().lower()[:254]


def _account_and_ip_key() -> str:
    return f"{_account_key()}|{request.remote_addr}"


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"],
               deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed, scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_IP"], methods=["POST"],
               key_func=_account_and_ip_key, deduct_when=_failed, scope="login-account-ip")
def login():
    if request.method == "POST":
        services.require_local_login()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("core.dashboard"))
    form = LoginForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                user = services.authenticate(form.email.data, form.password.data)
            except services.InvalidCredentials as error:
                form.form_errors.append(error.message)
                status = error.status
            else:
                return after_password(user, next_url)
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_session(session.get(SESSION_TOKEN_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = services.get_user(current_user.id)
    form = PreferencesForm(obj=user, locale=user.locale or "")
    if save(form, lambda: services.set_contact(
            services.set_locale(user.id, form.locale.data or None), form.work_phone.data,
            form.work_email.data)):
        session.pop("locale", None)  # the saved preference (or the browser) decides from now on
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, user=user), (
        400 if form.errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    services.require_local_login()
    form = PasswordChangeForm()
    user = services.get_user(current_user.id)
    token = save(form, lambda: services.change_password(user, form.current_password.data,
                                                        form.password.data))
    if token:
        _begin(user, token)
        flash(_("Your password is changed. Other devices have been logged out."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
