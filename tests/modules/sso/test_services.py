"""Single sign-on rules without a provider: the role map and reading claims."""

from __future__ import annotations

import pytest

from elearn import create_app
from elearn.config import ConfigurationError
from elearn.modules.auth.models import Role
from elearn.modules.sso import services
from elearn.modules.sso.provider import SignOnFailed
from tests.conftest import BASE_CONFIG

POLICY = services.Policy(unit_claim="department", role_claim="groups",
                         role_map={"elearn-admins": Role.ADMIN})


def test_the_role_map_reads_pairs_with_spaces_and_equals_signs_in_group_names():
    assert services.parse_role_map(" elearn-admins = admin ,/elearn/coord=x=coordinator,") == {
        "elearn-admins": Role.ADMIN, "/elearn/coord=x": Role.COORDINATOR}
    assert services.parse_role_map("") == {}


def test_groups_may_be_a_list_or_one_space_separated_string():
    listed = services.identity({"sub": "1", "email": "a@politi.example", "groups": ["x", "y"]}, POLICY)
    spaced = services.identity({"sub": "1", "email": "a@politi.example", "groups": "x y"}, POLICY)
    assert listed.groups == spaced.groups == {"x", "y"}


def test_a_missing_groups_claim_means_unknown_but_an_empty_list_means_no_groups(caplog):
    absent = services.identity({"sub": "1", "email": "a@politi.example"}, POLICY)
    overage = services.identity({"sub": "1", "email": "a@politi.example",
                                 "_claim_names": {"groups": "src1"}}, POLICY)
    empty = services.identity({"sub": "1", "email": "a@politi.example", "groups": []}, POLICY)
    assert (absent.groups, overage.groups, empty.groups) == (None, None, frozenset())
    assert "roles unchanged" in caplog.text


def test_a_unit_claim_that_is_not_one_value_is_ignored():
    person = services.identity({"sub": "1", "email": "a@politi.example", "department": ["A", "B"]},
                               POLICY)
    assert person.unit_code is None


@pytest.mark.parametrize(("claim", "verified"), [
    (True, True), ("true", True), (False, False), ("false", False), ("False", False), (1, False),
    (None, False), ("missing", False)])
def test_email_verified_is_read_strictly(claim, verified):
    claims = {"sub": "1", "email": "a@politi.example"}
    if claim != "missing":
        claims["email_verified"] = claim
    assert services.identity(claims, POLICY).email_verified is verified


def test_an_identity_without_an_email_is_refused():
    with pytest.raises(SignOnFailed):
        services.identity({"sub": "1", "email": " "}, POLICY)


def test_production_refuses_an_issuer_without_https():
    with pytest.raises(ConfigurationError, match="https"):
        create_app({**BASE_CONFIG, "ELEARN_ENV": "production", "BASE_URL": "https://elearn.example",
                    "OIDC_ISSUER": "http://id.politi.example", "OIDC_CLIENT_ID": "x"})


def test_scopes_without_openid_stop_the_start():
    with pytest.raises(ConfigurationError, match="openid"):
        create_app({**BASE_CONFIG, "OIDC_ISSUER": "https://id.politi.example", "OIDC_CLIENT_ID": "x",
                    "OIDC_SCOPES": "email profile"})


def test_odd_claims_are_read_safely():
    person = services.identity({"sub": "1", "email": "a@politi.example", "name": "N" * 500,
                                "groups": {"not": "a list"}, "_claim_names": "junk"}, POLICY)
    assert (len(person.name), person.groups) == (services.NAME_LENGTH, None)  # unreadable: unknown


def test_a_first_sign_on_that_loses_a_race_uses_the_account_the_other_made(app, make_user, monkeypatch):
    """As when another request linked the subject between this one's look-up and its write."""
    from sqlalchemy import func, select

    from elearn.extensions import db
    from elearn.modules.auth.models import User
    existing = make_user(email="first@politi.example")
    existing.sso_subject = "racing-subject"
    db.session.commit()
    real_find, calls = services._find, []

    def find_nothing_the_first_time(person, policy):
        calls.append(person.subject)
        return None if len(calls) == 1 else real_find(person, policy)

    monkeypatch.setattr(services, "_find", find_nothing_the_first_time)
    person = services.Identity(subject="racing-subject", email="second@politi.example",
                               email_verified=True)
    user = services.sign_on(person, services.Policy())
    db.session.commit()
    assert user.id == existing.id and len(calls) == 2
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
