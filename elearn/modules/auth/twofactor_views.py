"""Two-factor pages in the auth blueprint: the code step of a log-in, and setting it up or off."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn.extensions import db, limiter
from elearn.forms import save
from elearn.modules.auth import services, twofactor
from elearn.modules.auth.decorators import login_required
from elearn.modules.auth.forms import TwoFactorCodeForm, TwoFactorForm
from elearn.modules.auth.models import User
from elearn.modules.auth.twofactor_login import PENDING_KEY, complete, held_user_id
from elearn.modules.auth.views import bp
from elearn.qr import qr_svg

#: The secret shown during set-up, sealed, until the person confirms it with a code.
SETUP_SECRET_KEY = "2fa_setup_secret"  # noqa: S105  (the session key name)
#: What a person who must set up two-factor first may still reach.
OPEN_DURING_SETUP = {"auth.two_factor", "auth.logout", "core.switch_language",
                     "courses.service_worker", "static"}


def _must_set_up() -> bool:
    return (current_user.is_authenticated and current_app.config["LOCAL_LOGIN"]
            and twofactor.must_set_up(current_user, current_app.config["REQUIRE_2FA"]))


@bp.before_app_request
def _set_up_two_factor_first():
    """REQUIRE_2FA, decided on every request from the database: also sessions begun before it was
    switched on, and a person given a role that requires it during their session."""
    if request.endpoint not in OPEN_DURING_SETUP and _must_set_up():
        return redirect(url_for("auth.two_factor"))
    return None


@bp.app_template_global("two_factor_on")
def _two_factor_on(user: User) -> bool:
    """The one test of "two-factor is on" for the templates too (twofactor.is_on)."""
    return twofactor.is_on(user)


@bp.app_template_global("two_factor_locked")
def _two_factor_locked(user: User) -> bool:
    return twofactor.is_locked(user)


def _held_user_key() -> str:
    return f"two-factor:{held_user_id() or request.remote_addr}"


def _account_key() -> str:
    user_id = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"two-factor-account:{user_id}"


def _refused(response) -> bool:
    return response.status_code in (400, 401)


def _held_user() -> User | None:
    user_id = held_user_id()
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.active and twofactor.is_on(user) else None


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TWO_FACTOR_LIMIT"], methods=["POST"],
               key_func=_held_user_key, deduct_when=_refused, scope="two-factor")
def login_two_factor():
    user = _held_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Your log-in has expired. Please log in again."), "error")
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    status = 200
    if twofactor.is_locked(user):
        form.code.errors = [twofactor.locked().message]
        status = 403
    elif form.is_submitted():
        status = 400
        if form.validate():
            if twofactor.accept_code(user, form.code.data):
                return complete(user)
            db.session.commit()  # the wrong code counts towards the lock
            locked = twofactor.is_locked(user)
            form.code.errors.append((twofactor.locked() if locked else twofactor.wrong_code()).message)
            status = 403 if locked else 401
    return render_template("auth/login_two_factor.html", form=form), status


def _setup_secret() -> str:
    """The secret being set up, kept sealed in the signed session (not the database) until confirmed."""
    secret = twofactor.unseal(session.get(SETUP_SECRET_KEY))
    if secret is None:
        secret = twofactor.new_secret()
        session[SETUP_SECRET_KEY] = twofactor.seal(secret)
    return secret


@bp.route("/account/two-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TWO_FACTOR_LIMIT"], methods=["POST"],
               key_func=_account_key, deduct_when=_refused, scope="two-factor-account")
@login_required
def two_factor():
    services.require_local_login()
    user = services.get_user(current_user.id)
    twofactor.require_password(user)
    form = TwoFactorForm()
    if twofactor.is_on(user):
        return _turn_off(user, form)
    forced = _must_set_up()
    secret = _setup_secret()
    if save(form, lambda: twofactor.enable(user, session[SETUP_SECRET_KEY], form.password.data,
                                           form.code.data)):
        session.pop(SETUP_SECRET_KEY, None)
        flash(_("Two-factor authentication is on. From now on you enter a code after your password."),
              "success")
        return redirect(url_for("core.dashboard") if forced else url_for("auth.account"))
    uri = twofactor.provisioning_uri(secret, user.email, current_app.config["SITE_NAME"])
    return render_template(
        "auth/two_factor_setup.html", form=form, key=twofactor.readable(secret),
        forced=forced,
        qr=qr_svg(uri, _("QR code for your authenticator app"))), 400 if form.errors else 200


def _turn_off(user: User, form: TwoFactorForm):
    require_2fa = current_app.config["REQUIRE_2FA"]
    required = twofactor.required_for(user, require_2fa)
    if not required and save(form, lambda: twofactor.disable(user, form.password.data,
                                                             form.code.data, require_2fa)):
        flash(_("Two-factor authentication is off."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/two_factor_off.html", form=form, user=user, required=required), (
        400 if form.errors else 200)
