"""Signing on through a real (local) OpenID provider: matching, creating, mapping and refusing."""

from __future__ import annotations

import logging

import pytest
from flask_babel import gettext
from sqlalchemy import select

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.i18n import in_locale
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import LoginSession, Role, User
from elearn.modules.outbox.models import OutboxMessage
from tests.modules.sso.conftest import CALLBACK, back_to_app, sign_on, to_provider


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _logged_in_as(client, user: User) -> bool:
    page = client.get("/account")
    return page.status_code == 200 and user.email in page.get_data(as_text=True)


def _logged_out(client) -> bool:
    return client.get("/account").status_code == 302


@pytest.mark.both_databases
def test_first_sign_on_creates_the_account_and_logs_in(client, oidc, make_unit):
    unit = make_unit(code="SJYL-HOR")
    response = sign_on(client, oidc, sub="subject-1", email="Anna.Holm@Politi.example",
                       email_verified=True, name="Anna Holm", department="SJYL-HOR", groups=[])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = _user("anna.holm@politi.example")
    assert (user.name, user.sso_subject, user.unit_id, user.roles, user.password_hash) == (
        "Anna Holm", "subject-1", unit.id, {Role.LEARNER}, None)
    assert _logged_in_as(client, user)
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sso_sign_on"))
    assert (event.actor_id, event.details["created"]) == (user.id, True)


def test_the_provider_is_asked_for_the_code_flow_with_pkce_and_a_callback_under_base_url(client, oidc):
    to_provider(client)
    asked = oidc.authorize_requests[-1]
    assert asked["redirect_uri"] == CALLBACK  # not the test client's http://localhost
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}
    assert asked["state"] and asked["nonce"]


def test_without_a_name_claim_the_new_account_is_named_by_its_email(client, oidc):
    sign_on(client, oidc, sub="subject-2", email="b.larsen@politi.example")
    assert _user("b.larsen@politi.example").name == "b.larsen@politi.example"


def test_existing_account_is_matched_by_email_ignoring_case(client, oidc, make_user):
    user = make_user(Role.COORDINATOR, email="c.berg@politi.example")
    count = db.session.query(User).count()
    response = sign_on(client, oidc, sub="subject-3", email="C.Berg@POLITI.example")
    assert response.status_code == 302
    assert db.session.query(User).count() == count
    db.session.refresh(user)
    assert user.sso_subject == "subject-3" and user.password_hash  # the password is left alone
    assert _logged_in_as(client, user)


def test_subject_matches_after_the_email_changed_at_the_provider(client, oidc, make_user):
    user = make_user(email="d.old@politi.example")
    user.sso_subject = "subject-4"
    db.session.commit()
    sign_on(client, oidc, sub="subject-4", email="d.new@politi.example", name="Dorte Ny")
    db.session.refresh(user)
    assert (user.email, user.name) == ("d.new@politi.example", "Dorte Ny")
    assert _user("d.old@politi.example") is None
    assert _logged_in_as(client, user)


@pytest.mark.both_databases
def test_unit_and_roles_come_from_the_claims(client, oidc, make_unit):
    unit = make_unit(code="FYN-ODE")
    sign_on(client, oidc, sub="subject-5", email="e@politi.example", department="fyn-ode",
            groups=["elearn-coordinators", "all-staff"])
    user = _user("e@politi.example")
    assert user.unit_id == unit.id
    assert user.roles == {Role.LEARNER, Role.COORDINATOR}


def test_roles_are_replaced_at_each_sign_on_and_learner_always_stays(client, oidc, make_user, auth):
    make_user(Role.ADMIN, email="another-admin@politi.example")
    user = make_user(Role.ADMIN, email="f@politi.example")
    sign_on(client, oidc, sub="subject-6", email="f@politi.example", groups=["elearn-coordinators"])
    db.session.refresh(user)
    assert user.roles == {Role.LEARNER, Role.COORDINATOR}
    auth.logout()
    sign_on(client, oidc, sub="subject-6", email="f@politi.example", groups="elearn-admins")
    db.session.refresh(user)
    assert user.roles == {Role.LEARNER, Role.ADMIN}
    auth.logout()
    auth.logout()
    sign_on(client, oidc, sub="subject-6", email="f@politi.example", groups=[])  # in none of them
    db.session.refresh(user)
    assert user.roles == {Role.LEARNER}


def test_without_the_role_claim_roles_stay_as_they_are(client, oidc, make_user, caplog):
    user = make_user(Role.COORDINATOR, email="f2@politi.example")
    sign_on(client, oidc, sub="subject-6b", email=user.email)  # no groups claim at all
    db.session.refresh(user)
    assert user.roles == {Role.COORDINATOR}
    assert "role claim 'groups' not in the token" in caplog.text


def test_the_last_active_admin_keeps_the_admin_role(client, oidc, make_user, auth):
    user = make_user(Role.ADMIN, email="last-admin@politi.example")
    make_user(Role.ADMIN, email="inactive-admin@politi.example").active = False
    db.session.commit()
    sign_on(client, oidc, sub="subject-6c", email=user.email, groups=["elearn-coordinators"])
    db.session.refresh(user)
    assert user.roles == {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}


@pytest.mark.parametrize("app_config", [{"OIDC_ROLE_CLAIM": None, "OIDC_UNIT_CLAIM": None}],
                         indirect=True)
def test_without_claims_configured_roles_and_unit_stay_as_they_are(client, oidc, make_user, make_unit):
    unit = make_unit()
    user = make_user(Role.ADMIN, email="g@politi.example", unit=unit)
    sign_on(client, oidc, sub="subject-7", email="g@politi.example", groups=[], department="X")
    db.session.refresh(user)
    assert (user.roles, user.unit_id) == ({Role.ADMIN}, unit.id)


def test_an_unknown_unit_code_keeps_the_unit_and_is_logged(client, oidc, make_user, make_unit, caplog):
    unit = make_unit()
    user = make_user(email="h@politi.example", unit=unit)
    with caplog.at_level(logging.WARNING, logger="elearn.sso"):
        response = sign_on(client, oidc, sub="subject-8", email="h@politi.example",
                           department="NO-SUCH-UNIT")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.unit_id == unit.id
    assert "unknown unit code 'NO-SUCH-UNIT'" in caplog.text


@pytest.mark.parametrize("close", ["deactivate", "anonymise"])
def test_a_deactivated_or_anonymised_account_is_refused(client, oidc, make_user, close):
    user = make_user(email="i@politi.example")
    if close == "deactivate":
        accounts.set_active(user, False)
    else:
        user.anonymised_at = utcnow()
    db.session.commit()
    response = sign_on(client, oidc, sub="subject-9", email="i@politi.example")
    assert response.status_code == 403
    assert "This account is deactivated" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.sso_subject is None and user.last_login_at is None
    assert _logged_out(client)


@pytest.mark.parametrize("app_config", [{"OIDC_CREATE_USERS": False}], indirect=True)
def test_no_account_is_created_when_creating_is_off(client, oidc):
    response = sign_on(client, oidc, sub="subject-10", email="j@politi.example")
    assert response.status_code == 403
    assert "There is no account for j@politi.example here" in response.get_data(as_text=True)
    assert _user("j@politi.example") is None


def test_an_email_linked_to_another_subject_is_refused(client, oidc, make_user):
    user = make_user(email="k@politi.example")
    user.sso_subject = "subject-11"
    db.session.commit()
    response = sign_on(client, oidc, sub="someone-else", email="k@politi.example")
    assert response.status_code == 403
    assert "linked to another identity" in response.get_data(as_text=True)
    assert _logged_out(client)


def test_the_next_page_is_kept_through_the_round_trip(client, oidc):
    response = sign_on(client, oidc, next_url="/modules", sub="subject-12", email="l@politi.example")
    assert response.headers["Location"] == "/modules"


def test_a_foreign_next_page_is_ignored(client, oidc):
    response = sign_on(client, oidc, next_url="https://evil.example/", sub="s-13", email="m@politi.example")
    assert response.headers["Location"] == "/"


def test_a_state_this_browser_did_not_start_is_refused(client, oidc, app):
    answer = to_provider(client)
    response = back_to_app(app.test_client(), answer)  # another browser: no sign-on pending there
    assert response.status_code == 400
    assert "started in another browser" in response.get_data(as_text=True)


def test_a_forged_state_is_refused(client, oidc):
    to_provider(client)
    response = client.get("/login/sso/callback?code=abc&state=forged")
    assert response.status_code == 400
    assert _logged_out(client)


def test_an_answer_from_the_provider_is_used_once(client, oidc):
    oidc.claims = {"sub": "subject-13", "email": "replay@politi.example", "email_verified": True}
    answer = to_provider(client)
    assert back_to_app(client, answer).status_code == 302
    assert back_to_app(client, answer).status_code == 400
    assert db.session.query(LoginSession).count() == 1


@pytest.mark.parametrize("tamper", ["nonce", "signature", "audience", "iss", "no_id_token"])
def test_an_id_token_that_does_not_verify_is_refused(client, oidc, tamper):
    oidc.tamper = {tamper}
    response = sign_on(client, oidc, sub="subject-14", email="n@politi.example")
    assert response.status_code == 401
    assert "could not be verified" in response.get_data(as_text=True)
    assert _user("n@politi.example") is None
    assert _logged_out(client)


@pytest.mark.parametrize("claims", [{}, {"email": ""}, {"email": "o@politi.example", "email_verified": False},
                                    {"email": "not an address"}])
def test_without_a_confirmed_email_sign_on_is_refused(client, oidc, claims):
    response = sign_on(client, oidc, sub="subject-15", **claims)
    assert response.status_code == 401
    assert db.session.scalar(select(User).where(User.sso_subject == "subject-15")) is None
    assert _logged_out(client)


def test_an_error_from_the_provider_is_shown_on_the_login_page(client, oidc):
    oidc.error = "access_denied"
    response = back_to_app(client, to_provider(client))
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "cancelled or refused by the sign-in service" in page and 'name="password"' in page
    assert _logged_out(client)


@pytest.mark.parametrize("app_config", [{"OIDC_ISSUER": "http://127.0.0.1:9"}], indirect=True)
def test_an_unreachable_provider_is_a_clear_answer(client):
    response = client.get("/login/sso")
    assert response.status_code == 503
    assert "cannot be reached right now" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://politi.example/elearn/"}], indirect=True)
def test_the_callback_keeps_base_urls_path_prefix(client, oidc):
    to_provider(client)
    assert oidc.authorize_requests[-1]["redirect_uri"] == "https://politi.example/elearn/login/sso/callback"


@pytest.mark.parametrize("app_config", [{"REQUIRE_2FA": True}], indirect=True)
def test_single_sign_on_skips_the_local_two_factor_step(client, oidc, make_user):
    """The identity provider does multi-factor; a local TOTP set-up or code is never asked for."""
    user = make_user(Role.ADMIN, email="totp@politi.example")
    user.totp_secret, user.totp_enabled_at = "not-used-here", utcnow()
    coordinator = make_user(Role.COORDINATOR, email="no-totp@politi.example")
    db.session.commit()
    response = sign_on(client, oidc, sub="subject-16", email=user.email, groups=["elearn-admins"])
    assert response.headers["Location"] == "/"
    assert _logged_in_as(client, user)
    browser = client.application.test_client()  # another person's browser
    response = sign_on(browser, oidc, sub="subject-17", email=coordinator.email,
                       groups=["elearn-coordinators"])
    assert response.headers["Location"] == "/"  # not to the two-factor set-up
    assert _logged_in_as(browser, coordinator)


def test_a_discovery_document_for_another_issuer_is_refused(client, oidc):
    oidc.tamper = {"discovery_issuer"}
    response = client.get("/login/sso")
    assert response.status_code == 503
    assert "not set up correctly" in response.get_data(as_text=True)
    assert oidc.authorize_requests == []


def _admin_with_two_factor(make_user, email: str) -> User:
    user = make_user(Role.ADMIN, email=email)
    user.totp_secret, user.totp_enabled_at = "sealed-secret", utcnow()
    db.session.commit()
    return user


@pytest.mark.parametrize("verified", [None, "false", False, "False", 1])
def test_an_unverified_email_does_not_take_over_an_existing_account(client, oidc, make_user, verified):
    admin = _admin_with_two_factor(make_user, "boss@politi.example")
    response = sign_on(client, oidc, sub="attacker", email="boss@politi.example",
                       email_verified=verified, groups=["elearn-admins"])
    assert response.status_code == 401
    assert "did not give a confirmed e-mail address" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.sso_subject is None
    assert _logged_out(client)


def test_an_unverified_email_creates_no_account(client, oidc):
    response = sign_on(client, oidc, sub="subject-u", email="new@politi.example", email_verified=None)
    assert response.status_code == 401
    assert _user("new@politi.example") is None


@pytest.mark.parametrize("app_config", [{"OIDC_TRUST_EMAIL": True}], indirect=True)
def test_a_trusted_provider_links_and_creates_by_unverified_email(client, oidc, make_user, auth):
    user = make_user(email="h@politi.example")
    sign_on(client, oidc, sub="subject-t1", email=user.email, email_verified=None)
    db.session.refresh(user)
    assert user.sso_subject == "subject-t1" and _logged_in_as(client, user)
    auth.logout()
    sign_on(client, oidc, sub="subject-t2", email="i@politi.example", email_verified="false")
    assert _user("i@politi.example").sso_subject == "subject-t2"


def test_a_linked_subject_signs_on_without_a_verified_email_but_keeps_its_address(client, oidc,
                                                                                   make_user):
    user = make_user(email="j@politi.example")
    user.sso_subject = "subject-j"
    db.session.commit()
    sign_on(client, oidc, sub="subject-j", email="someone-else@politi.example", email_verified=None)
    db.session.refresh(user)
    assert user.email == "j@politi.example" and _logged_in_as(client, user)


def test_the_first_link_of_an_account_is_audited_and_mailed_in_the_persons_language(client, oidc,
                                                                                     make_user, auth):
    user = make_user(email="k@politi.example")
    user.locale = "da"
    db.session.commit()
    sign_on(client, oidc, sub="subject-k", email=user.email)
    auth.logout()
    sign_on(client, oidc, sub="subject-k", email=user.email)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.sso_link")).all()
    assert [(event.actor_id, event.details["email_verified"]) for event in events] == [(user.id, True)]
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).all()
    assert len(mails) == 1 and mails[0].recipient == "k@politi.example"
    assert "/account" in mails[0].body
    with in_locale("da"):
        assert mails[0].subject == gettext("Your account now signs in with single sign-on")


def test_a_new_account_gets_no_link_mail(client, oidc):
    sign_on(client, oidc, sub="subject-l", email="l@politi.example")
    assert db.session.scalar(select(OutboxMessage)) is None


@pytest.mark.parametrize("app_config", [{"SSO_LIMIT": "2 per minute"}], indirect=True)
def test_the_start_and_the_callback_are_limited_per_address_together(client, oidc):
    assert client.get("/login/sso").status_code == 302
    assert client.get("/login/sso/callback?error=access_denied").status_code == 401
    assert client.get("/login/sso").status_code == 429
    assert client.get("/login/sso/callback?error=access_denied").status_code == 429


@pytest.mark.parametrize("app_config", [{"OIDC_ISSUER": "http://127.0.0.1:9"}], indirect=True)
def test_an_unreachable_provider_is_not_asked_again_for_a_while(client, caplog, monkeypatch):
    from elearn.modules.sso import provider
    assert client.get("/login/sso").status_code == 503
    assert client.get("/login/sso").status_code == 503
    assert caplog.text.count("sso provider unreachable") == 1
    later = provider.time.monotonic() + provider.RETRY_AFTER + 1
    monkeypatch.setattr(provider.time, "monotonic", lambda: later)
    assert client.get("/login/sso").status_code == 503
    assert caplog.text.count("sso provider unreachable") == 2
    assert provider.TIMEOUT <= 5


@pytest.mark.parametrize("error", ["evil\nFAKE 200 admin logged in", "x" * 41, "Access-Denied"])
def test_an_odd_error_parameter_is_not_written_to_the_log(client, oidc, caplog, error):
    assert client.get("/login/sso/callback", query_string={"error": error}).status_code == 401
    assert "(not an OAuth error code)" in caplog.text and "FAKE" not in caplog.text
    assert "x" * 41 not in caplog.text and "Access-Denied" not in caplog.text


def test_an_oauth_error_code_is_logged(client, oidc, caplog):
    client.get("/login/sso/callback", query_string={"error": "access_denied"})
    assert "error=access_denied" in caplog.text
