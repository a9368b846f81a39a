"""A running OpenID provider for the single sign-on tests, and an app configured to use it."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from elearn.modules.sso.provider import _down_until as down_until
from tests.modules.sso.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

SITE = "https://elearn.politi.example"
CALLBACK = SITE + "/login/sso/callback"


@pytest.fixture(scope="session")
def provider():
    with Provider() as running:
        yield running


@pytest.fixture(autouse=True)
def _provider_not_down():
    """Each test starts without a remembered unreachable provider."""
    down_until.clear()
    yield
    down_until.clear()


@pytest.fixture
def oidc(provider):
    provider.reset()
    yield provider
    provider.reset()


@pytest.fixture
def app_config(oidc, request):
    """Single sign-on against the test provider; parametrize indirectly to add or change settings."""
    return {"OIDC_ISSUER": oidc.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "BASE_URL": SITE, "OIDC_UNIT_CLAIM": "department", "OIDC_ROLE_CLAIM": "groups",
            "OIDC_ROLE_MAP": "elearn-admins=admin, elearn-coordinators=coordinator",
            **getattr(request, "param", {})}


def to_provider(client, next_url: str | None = None) -> httpx.Response:
    """Start single sign-on in the app and follow its redirect to the provider (over real HTTP);
    returns the provider's answer, a redirect back to the app."""
    start = client.get("/login/sso", query_string={"next": next_url} if next_url else None)
    assert start.status_code == 302, start.get_data(as_text=True)
    answer = httpx.get(start.headers["Location"], follow_redirects=False, trust_env=False)
    assert answer.status_code == 302
    return answer


def back_to_app(client, answer: httpx.Response):
    """Follow the provider's redirect to the app's callback (which must be under BASE_URL)."""
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return client.get(f"{back.path}?{back.query}")


def sign_on(client, oidc, next_url: str | None = None, **claims):
    """The whole round trip as a browser makes it; returns the app's answer to the callback. The
    e-mail address is verified unless email_verified is given (None: left out)."""
    claims = {"email_verified": True, **claims}
    oidc.claims = {name: value for name, value in claims.items() if value is not None}
    return back_to_app(client, to_provider(client, next_url))
