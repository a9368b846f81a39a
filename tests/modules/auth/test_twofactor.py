"""TOTP two-factor authentication: set-up, the code step of a log-in, no code used twice, throttling,
REQUIRE_2FA for admins and coordinators, and recovery by an admin or the command line."""

import re
import threading
import time

import pyotp
import pytest
from sqlalchemy import select

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth import twofactor
from elearn.modules.auth.models import Role, User
from tests.conftest import PASSWORD, TOKEN, RequestClient

SECRET_ON_PAGE = re.compile(r'<code class="break" id="secret">([A-Z2-7 ]+)</code>')


def switch_on(user) -> pyotp.TOTP:
    """Two-factor on for user (as if set up), returning their authenticator."""
    secret = twofactor.new_secret()
    user.totp_secret = twofactor.seal(secret)
    user.totp_enabled_at = utcnow()
    db.session.commit()
    return pyotp.TOTP(secret)


def wrong_code(totp: pyotp.TOTP) -> str:
    """A code that matches none of the steps currently accepted."""
    now = time.time()
    valid = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in valid)


def code_step(auth, code: str):
    return auth.post("/login/two-factor", {"code": code})


def test_set_up_with_a_wrong_then_the_right_code(client, auth, make_user):
    user = make_user()
    auth.login(user)
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in html
    totp = pyotp.TOTP(SECRET_ON_PAGE.search(html).group(1).replace(" ", ""))

    wrong = auth.post("/account/two-factor", {"code": wrong_code(totp), "password": PASSWORD})
    assert wrong.status_code == 400
    assert "The code is not correct" in wrong.get_data(as_text=True)
    assert user.totp_secret is None

    right = auth.post("/account/two-factor", {"code": totp.now(), "password": PASSWORD})
    assert right.status_code == 302
    assert right.headers["Location"] == "/account"
    assert twofactor.unseal(user.totp_secret) == totp.secret
    assert user.totp_enabled_at is not None
    assert "On since" in client.get("/account").get_data(as_text=True)


def test_set_up_needs_the_password(client, auth, make_user):
    user = make_user()
    auth.login(user)
    totp = pyotp.TOTP(SECRET_ON_PAGE.search(client.get("/account/two-factor").get_data(
        as_text=True)).group(1).replace(" ", ""))
    response = auth.post("/account/two-factor", {"code": totp.now(), "password": "not my password"})
    assert response.status_code == 400
    assert user.totp_secret is None


def test_the_set_up_secret_stays_the_same_until_confirmed_and_is_not_in_the_database(client, auth,
                                                                                    make_user):
    user = make_user()
    auth.login(user)
    first = SECRET_ON_PAGE.search(client.get("/account/two-factor").get_data(as_text=True)).group(1)
    second = SECRET_ON_PAGE.search(client.get("/account/two-factor").get_data(as_text=True)).group(1)
    assert first == second
    assert user.totp_secret is None
    with client.session_transaction() as session:
        assert first.replace(" ", "") not in str(dict(session))


def test_secret_is_stored_encrypted(app, make_user):
    user = make_user()
    secret = twofactor.new_secret()
    sealed = twofactor.seal(secret)
    twofactor.enable(user, sealed, PASSWORD, pyotp.TOTP(secret).now())
    db.session.commit()
    stored = db.session.scalar(select(type(user).totp_secret).where(type(user).id == user.id))
    assert secret not in stored
    assert twofactor.unseal(stored) == secret
    app.config["SECRET_KEY"] = "another key"
    assert twofactor.unseal(stored) is None


def test_login_asks_for_the_code_before_starting_a_session(client, auth, make_user):
    user = make_user(name="Mette Sørensen")
    totp = switch_on(user)
    response = auth.login(user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        assert "sid" not in session
    page = client.get("/login/two-factor")
    assert 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    done = code_step(auth, totp.now())
    assert done.status_code == 302
    assert done.headers["Location"] == "/"
    assert "Welcome, Mette Sørensen" in client.get("/").get_data(as_text=True)


def test_the_code_step_keeps_next(client, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD,
                                              "csrf_token": auth.token()})
    assert code_step(auth, totp.now()).headers["Location"] == "/account"


def test_wrong_code_is_refused_and_logged(client, auth, make_user, caplog):
    user = make_user()
    totp = switch_on(user)
    auth.login(user)
    code = wrong_code(totp)
    response = code_step(auth, code)
    assert response.status_code == 401
    assert "The code is not correct" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert f"two-factor code refused user_id={user.id}" in caplog.text
    assert code not in caplog.text


def test_a_code_cannot_be_used_twice(client, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    code = totp.now()
    auth.login(user)
    assert code_step(auth, code).status_code == 302
    auth.logout()
    auth.login(user)
    assert code_step(auth, code).status_code == 401
    assert client.get("/").status_code == 302


def test_a_code_older_than_the_last_used_one_is_refused(app, make_user):
    user = make_user()
    totp = switch_on(user)
    now = time.time()
    assert twofactor.accept_code(user, totp.at(now), now=now)
    assert not twofactor.accept_code(user, totp.at(now - 30), now=now)
    assert twofactor.accept_code(user, totp.at(now + 30), now=now)


@pytest.mark.both_databases
def test_two_requests_racing_with_one_code_let_one_in(app, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    clients = [RequestClient(app, app.response_class, use_cookies=True) for _ in range(2)]
    for browser in clients:
        token = TOKEN.search(browser.get("/login").get_data(as_text=True)).group(1)
        browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    tokens = [TOKEN.search(browser.get("/login/two-factor").get_data(as_text=True)).group(1)
              for browser in clients]
    code = totp.now()
    start = threading.Barrier(2)
    statuses = []

    def post(browser, token):
        with app.app_context():
            start.wait()
            statuses.append(browser.post("/login/two-factor",
                                         data={"code": code, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 401]


@pytest.mark.both_databases
def test_a_code_claimed_by_an_open_transaction_is_refused_to_the_next(app, make_user):
    user = make_user()
    totp = switch_on(user)
    code, user_id = totp.now(), user.id
    claimed = threading.Event()
    results = {}

    def first():
        with app.app_context():
            results["first"] = twofactor.accept_code(db.session.get(User, user_id), code)
            claimed.set()
            time.sleep(0.5)  # the second one reads the step before this commits
            db.session.commit()

    def second():
        claimed.wait()
        with app.app_context():
            results["second"] = twofactor.accept_code(db.session.get(User, user_id), code)
            db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"first": True, "second": False}


def test_a_held_log_in_expires(client, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    auth.login(user)
    with client.session_transaction() as session:
        pending = session["2fa_pending"]
        session["2fa_pending"] = {**pending, "at": pending["at"] - twofactor.PENDING_LOGIN_SECONDS - 1}
    response = code_step(auth, totp.now())
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Your log-in has expired" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_code_step_without_a_password_first_goes_to_log_in(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_code_attempts_are_throttled_per_account(client, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    auth.login(user)
    statuses = [code_step(auth, wrong_code(totp)).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    auth.login(user)
    assert code_step(auth, totp.now()).status_code == 429


def test_turning_off_needs_password_and_a_code(client, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    auth.login(user)
    code_step(auth, totp.now())
    assert "Turn off two-factor" in client.get("/account/two-factor").get_data(as_text=True)
    refused = auth.post("/account/two-factor", {"code": totp.at(time.time() + 30),
                                                "password": "not my password"})
    assert refused.status_code == 400
    assert user.totp_secret is not None
    done = auth.post("/account/two-factor", {"code": totp.at(time.time() + 30), "password": PASSWORD})
    assert done.status_code == 302
    assert user.totp_secret is None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
                             .order_by(AuditEvent.id.desc())) == "user.2fa_disable"


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_required_two_factor_sends_a_coordinator_to_set_up_first(client, auth, make_user):
    coordinator = make_user(Role.COORDINATOR, Role.LEARNER)
    response = auth.login(coordinator)
    assert response.headers["Location"] == "/account/two-factor"
    for url in ("/", "/reports/", "/account", "/modules"):
        blocked = client.get(url)
        assert blocked.status_code == 302, url
        assert blocked.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert "Your role requires two-factor authentication" in html
    totp = pyotp.TOTP(SECRET_ON_PAGE.search(html).group(1).replace(" ", ""))
    done = auth.post("/account/two-factor", {"code": totp.now(), "password": PASSWORD})
    assert done.headers["Location"] == "/"
    assert client.get("/reports/").status_code == 200


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_required_two_factor_still_lets_one_log_out(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    assert auth.logout().headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_required_two_factor_does_not_force_learners(client, auth, make_user):
    learner = make_user(Role.LEARNER)
    assert auth.login(learner).headers["Location"] == "/"
    assert client.get("/modules").status_code == 200


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_required_two_factor_cannot_be_turned_off(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    totp = switch_on(admin)
    auth.login(admin)
    code_step(auth, totp.now())
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "cannot be turned off" in page
    auth.post("/account/two-factor", {"code": totp.at(time.time() + 30), "password": PASSWORD})
    assert admin.totp_secret is not None


def test_admin_turns_two_factor_off_for_someone_who_lost_their_phone(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user()
    totp = switch_on(user)
    their_browser = type(auth)(app.test_client())
    their_browser.login(user)
    code_step(their_browser, totp.now())
    assert their_browser.client.get("/").status_code == 200

    auth.login(admin)
    assert "Turn off two-factor" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    response = auth.post(f"/admin/users/{user.id}/two-factor/reset", {})
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert user.totp_secret is None and user.totp_last_step is None
    assert their_browser.client.get("/").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.2fa_reset"))
    assert (event.actor_id, event.subject) == (admin.id, f"user:{user.id}")
    assert their_browser.login(user).headers["Location"] == "/"


@pytest.mark.parametrize("role", [Role.LEARNER, Role.COORDINATOR])
def test_only_admins_may_reset_two_factor(client, auth, make_user, role):
    user = make_user()
    switch_on(user)
    auth.login(make_user(role))
    assert auth.post(f"/admin/users/{user.id}/two-factor/reset", {}).status_code == 403
    assert user.totp_secret is not None


def test_reset_from_the_command_line(runner, make_user):
    user = make_user()
    switch_on(user)
    result = runner.invoke(args=["users", "reset-2fa", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert "Two-factor authentication is off" in result.output
    assert user.totp_secret is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.2fa_reset"))
    assert event.actor_id is None


def test_reset_of_an_unknown_address_fails(runner):
    result = runner.invoke(args=["users", "reset-2fa", "nobody@politi.example"])
    assert result.exit_code == 1
    assert "No account" in result.output


def test_account_page_shows_the_state_with_a_link(client, auth, make_user):
    user = make_user()
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Off: your password alone logs you in." in page
    assert 'href="/account/two-factor"' in page


def test_two_factor_is_only_for_accounts_with_a_password(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    user.password_hash = None  # as for someone who signs on through the identity provider
    db.session.commit()
    assert client.get("/account/two-factor").status_code == 403
    assert "Two-factor authentication" not in client.get("/account").get_data(as_text=True)


def test_two_factor_page_is_closed_when_local_passwords_are_off(app, client, auth, make_user):
    auth.login(make_user())
    app.config["LOCAL_LOGIN"] = False
    assert client.get("/account/two-factor").status_code == 403


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_set_up_in_another_browser_releases_a_session_waiting_for_it(app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    assert client.get("/admin/users").headers["Location"] == "/account/two-factor"
    switch_on(admin)
    assert client.get("/account/two-factor").status_code == 200
    assert client.get("/admin/users").status_code == 200


def _sent_to_set_up(response) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/account/two-factor"


def test_a_session_opened_before_two_factor_was_required_must_set_up(app, client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    assert client.get("/admin/users").status_code == 200
    app.config["REQUIRE_2FA"] = True
    assert _sent_to_set_up(client.get("/admin/users"))


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_a_learner_promoted_during_the_session_must_set_up(client, auth, make_user):
    from elearn.modules.auth.services import set_roles
    user = make_user(Role.LEARNER)
    auth.login(user)
    assert client.get("/modules").status_code == 200
    set_roles(user, {Role.LEARNER, Role.COORDINATOR})
    db.session.commit()
    assert _sent_to_set_up(client.get("/modules"))


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_posts_and_downloads_wait_for_the_set_up_too(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    assert _sent_to_set_up(client.get("/account/record.json"))
    assert _sent_to_set_up(auth.post("/account", {"locale": "da", "work_phone": "", "work_email": ""}))
    db.session.refresh(admin)
    assert admin.locale is None


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_public_pages_stay_open_after_a_waiting_session_ended(client, auth, make_user):
    from elearn.modules.auth.services import end_all_sessions
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    assert _sent_to_set_up(client.get("/privacy"))
    end_all_sessions(admin)
    db.session.commit()
    assert client.get("/privacy").status_code == 200
    assert client.get("/login").status_code == 200


def _mails(user) -> list:
    from elearn.modules.outbox.models import OutboxMessage
    return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.user_id == user.id)
                                   .order_by(OutboxMessage.id)))


@pytest.mark.both_databases
def test_ten_wrong_codes_in_a_row_lock_the_second_factor_until_reset(app, make_user):
    user = make_user()
    totp = switch_on(user)
    now = time.time()
    for _ in range(twofactor.LOCK_AFTER - 1):
        assert not twofactor.accept_code(user, wrong_code(totp), now=now)
    assert not twofactor.is_locked(user)
    assert not twofactor.accept_code(user, wrong_code(totp), now=now)
    db.session.commit()
    assert twofactor.is_locked(user) and user.totp_failures == twofactor.LOCK_AFTER
    assert not twofactor.accept_code(user, totp.at(now), now=now)  # the right code: still locked
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.2fa_locked"))
    assert event.subject == f"user:{user.id}"
    assert _mails(user) == ["Two-factor authentication is locked"]
    twofactor.reset(None, user)
    db.session.commit()
    assert user.totp_failures == 0 and not twofactor.is_locked(user)


def test_a_right_code_starts_the_count_again(app, make_user):
    user = make_user()
    totp = switch_on(user)
    now = time.time()
    for _ in range(twofactor.LOCK_AFTER - 1):
        twofactor.accept_code(user, wrong_code(totp), now=now)
    assert twofactor.accept_code(user, totp.at(now), now=now)
    assert user.totp_failures == 0
    assert not twofactor.accept_code(user, wrong_code(totp), now=now)
    assert not twofactor.is_locked(user)


def test_the_code_step_counts_wrong_codes_and_says_when_it_is_locked(client, auth, make_user):
    user = make_user()
    totp = switch_on(user)
    user.totp_failures = twofactor.LOCK_AFTER - 1
    db.session.commit()
    auth.login(user)
    response = code_step(auth, wrong_code(totp))
    assert response.status_code == 403
    assert "locked after too many wrong codes" in response.get_data(as_text=True)
    auth.login(user)
    page = client.get("/login/two-factor")
    assert page.status_code == 403 and "ask an administrator" in page.get_data(as_text=True)
    assert code_step(auth, totp.now()).status_code == 403
    assert client.get("/account").status_code == 302
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    assert "Locked after too many wrong codes" in client.get(f"/admin/users/{user.id}").get_data(
        as_text=True)


def test_the_person_is_mailed_when_two_factor_goes_on_off_or_is_reset(client, auth, make_user):
    user = make_user()
    auth.login(user)
    html = client.get("/account/two-factor").get_data(as_text=True)
    totp = pyotp.TOTP(SECRET_ON_PAGE.search(html).group(1).replace(" ", ""))
    auth.post("/account/two-factor", {"code": totp.now(), "password": PASSWORD})
    auth.post("/account/two-factor", {"code": totp.at(time.time() + 30), "password": PASSWORD})
    assert user.totp_secret is None
    switch_on(user)
    twofactor.reset(None, user)
    db.session.commit()
    assert _mails(user) == ["Two-factor authentication is on", "Two-factor authentication is off",
                            "Two-factor authentication was reset"]


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}])
def test_disable_refuses_when_the_role_requires_two_factor(app, make_user):
    from elearn.errors import DomainError
    admin = make_user(Role.ADMIN)
    totp = switch_on(admin)
    with pytest.raises(DomainError, match="required for your role"):
        twofactor.disable(admin, PASSWORD, totp.now(), require_2fa=True)
    assert admin.totp_secret is not None
    assert twofactor.disable(admin, PASSWORD, totp.now(), require_2fa=False).totp_secret is None
