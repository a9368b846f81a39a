"""The log-in page with single sign-on configured, and with local passwords switched off."""

from __future__ import annotations

import pytest

from elearn.extensions import db
from elearn.modules.auth.models import Role
from tests.conftest import PASSWORD
from tests.modules.sso.conftest import sign_on

LOCAL_OFF = pytest.mark.parametrize("app_config", [{"LOCAL_LOGIN": False}], indirect=True)


def _from_before(app, make_user, *roles, **kwargs):
    """An account given a password before local passwords were switched off."""
    app.config["LOCAL_LOGIN"] = True
    try:
        return make_user(*roles, **kwargs)
    finally:
        app.config["LOCAL_LOGIN"] = False


def test_the_login_page_offers_single_sign_on_beside_the_password(client):
    page = client.get("/login?next=/modules").get_data(as_text=True)
    assert 'href="/login/sso?next=/modules"' in page
    assert "Log in with single sign-on" in page
    assert 'name="password"' in page


@pytest.mark.parametrize("app_config", [{"OIDC_LABEL": "Log in with POLITI-ID"}], indirect=True)
def test_the_button_says_the_configured_label(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Log in with POLITI-ID" in page and "Log in with single sign-on" not in page


@LOCAL_OFF
def test_without_local_login_the_page_shows_only_the_button(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/sso"' in page
    assert 'name="password"' not in page and "Forgotten your password" not in page


@LOCAL_OFF
def test_without_local_login_a_posted_password_is_refused_unchecked(client, auth, make_user, app):
    user = _from_before(app, make_user, email="p@politi.example")
    response = auth.login(user)
    assert response.status_code == 403
    assert "Passwords are switched off on this site" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is None
    assert client.get("/account").status_code == 302


@LOCAL_OFF
def test_without_local_login_the_password_change_page_is_refused(client, auth, oidc):
    sign_on(client, oidc, sub="subject-20", email="q@politi.example")
    assert client.get("/account").status_code == 200
    assert "Change your password" not in client.get("/account").get_data(as_text=True)
    assert client.get("/account/password").status_code == 403
    response = auth.post("/account/password", {"current_password": PASSWORD, "password": "a" * 20,
                                                "confirm": "a" * 20})
    assert response.status_code == 403


@LOCAL_OFF
def test_without_local_login_an_admin_cannot_set_a_password(client, auth, make_user, app):
    admin = _from_before(app, make_user, Role.ADMIN)
    person = make_user(email="r@politi.example", password=None)
    app.config["LOCAL_LOGIN"] = True  # the admin logs in with a password once, for the test's sake
    auth.login(admin)
    app.config["LOCAL_LOGIN"] = False
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert 'name="password"' not in page and "No password is set" not in page
    response = auth.post(f"/admin/users/{person.id}", {
        "name": person.name, "email": person.email, "roles": ["learner"], "active": "y", "locale": "", "unit_id": "",
        "password": "a long enough passphrase here"})
    assert response.status_code == 400
    assert "Passwords are switched off on this site" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.password_hash is None


@LOCAL_OFF
def test_without_local_login_the_users_command_asks_for_no_password(runner):
    result = runner.invoke(args=["users", "create", "s@politi.example", "--name", "S", "--role", "learner"])
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    refused = runner.invoke(args=["users", "create", "t@politi.example", "--name", "T", "--role",
                                  "learner", "--password-stdin"], input="a long enough passphrase\n")
    assert refused.exit_code == 1
    assert "Passwords are switched off" in refused.output
