"""Logging in and out, sessions that the server can end, throttling, next=, password change."""

import pytest

from elearn.extensions import db
from elearn.modules.auth.models import Role
from tests.conftest import PASSWORD


def test_login_page_renders(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)


def test_anonymous_user_is_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.both_databases
def test_login_with_right_password_opens_dashboard(client, auth, make_user):
    user = make_user(name="Mette Sørensen")
    response = auth.login(user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert "Welcome, Mette Sørensen" in page.get_data(as_text=True)
    assert user.last_login_at is not None


@pytest.mark.parametrize("email_case", [str.upper, str.title])
def test_email_is_case_insensitive_at_login(client, auth, make_user, email_case):
    user = make_user(email="anna@politi.example")
    assert auth.login(email_case(user.email)).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, make_user):
    user = make_user()
    wrong_password = auth.login(user, "not the password at all")
    unknown = auth.login("nobody@politi.example")
    assert wrong_password.status_code == unknown.status_code == 401
    message = "The e-mail address or the password is not correct."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, auth, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    assert auth.login(user).status_code == 401


def test_user_without_password_cannot_log_in(client, auth, make_user):
    user = make_user(password=None)
    assert auth.login(user, "").status_code == 400
    assert auth.login(user, "anything at all").status_code == 401


def test_login_without_csrf_token_is_refused_in_the_users_language(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"Accept-Language": "da"})
    assert response.status_code == 400
    assert "Formularen var udløbet" in response.get_data(as_text=True)


def test_empty_login_form_gets_field_errors(client, auth):
    response = auth.post("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    assert 'href="#email"' in response.get_data(as_text=True)


def test_session_is_renewed_at_login(client, auth, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["sid"]


def test_copied_cookie_stops_working_after_logout(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    with client.session_transaction() as session:
        stolen = dict(session)
    auth.logout()
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/").status_code == 302


def test_deactivation_ends_the_session_at_once(client, auth, make_user):
    user = make_user()
    auth.login(user)
    assert client.get("/").status_code == 200
    from elearn.modules.auth.services import set_active

    set_active(user, False)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_role_taken_away_applies_on_next_request(client, auth, make_user):
    admin = make_user(Role.ADMIN, Role.LEARNER)
    auth.login(admin)
    assert client.get("/admin/users").status_code == 200
    from elearn.modules.auth.services import set_roles

    set_roles(admin, {Role.LEARNER})
    db.session.commit()
    assert client.get("/admin/users").status_code == 403


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_next_never_leaves_the_site(client, auth, make_user, target):
    user = make_user()
    response = client.post(f"/login?next={target}", data={
        "email": user.email, "password": PASSWORD, "csrf_token": auth.token()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_inside_the_site_is_followed(client, auth, make_user):
    user = make_user()
    response = client.post("/login?next=/account", data={
        "email": user.email, "password": PASSWORD, "csrf_token": auth.token()})
    assert response.headers["Location"] == "/account"


def test_login_is_throttled_per_account(client, auth, make_user):
    user = make_user()
    statuses = [auth.login(user, f"wrong password {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert auth.login(user).status_code == 429
    assert "Too many attempts" in auth.login(user).get_data(as_text=True)


def test_one_address_cannot_lock_a_colleague_out(app, client, auth, make_user):
    user = make_user()
    for n in range(6):
        auth.login(user, f"wrong password {n}")
    colleague = type(auth)(app.test_client())
    colleague.client.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert colleague.login(user).status_code == 302


def test_many_addresses_together_are_stopped_per_account(app, client, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "8 per 5 minutes"
    user = make_user()
    statuses = []
    for n in range(10):
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{n}"
        statuses.append(auth.login(user, "wrong password!").status_code)
    assert statuses == [401] * 8 + [429, 429]


def test_login_is_throttled_per_ip_across_accounts(app, client, auth):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 5 minutes"
    statuses = [auth.login(f"user{n}@politi.example", "wrong password!").status_code
                for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_successful_logins_do_not_use_up_the_throttle(client, auth, make_user):
    user = make_user()
    for _ in range(7):
        assert auth.login(user).status_code == 302
        auth.logout()


def test_password_change_logs_out_other_devices(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    other_device = app.test_client()
    AuthOther = type(auth)
    AuthOther(other_device).login(user)
    assert other_device.get("/").status_code == 200
    response = auth.post("/account/password", {"current_password": PASSWORD,
                                               "password": "a brand new passphrase",
                                               "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    auth.logout()
    assert auth.login(user, "a brand new passphrase").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, auth, make_user):
    user = make_user()
    auth.login(user)
    response = auth.post("/account/password", {"current_password": "wrong one entirely",
                                               "password": "a brand new passphrase",
                                               "confirm": "a brand new passphrase"})
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    auth.logout()
    assert auth.login(user).status_code == 302


def test_too_short_new_password_is_refused(client, auth, make_user):
    auth.login(make_user())
    response = auth.post("/account/password", {"current_password": PASSWORD, "password": "short",
                                               "confirm": "short"})
    assert response.status_code == 400


def test_logout_requires_post(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/logout").status_code == 405


def test_preferred_language_is_saved(client, auth, make_user):
    user = make_user()
    auth.login(user)
    assert auth.post("/account", {"locale": "da"}).status_code == 302
    assert user.locale == "da"
    assert 'lang="da"' in client.get("/").get_data(as_text=True)
