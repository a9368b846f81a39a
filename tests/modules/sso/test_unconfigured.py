"""Without OIDC_ISSUER and OIDC_CLIENT_ID there is no single sign-on anywhere."""

from __future__ import annotations

import pytest

from elearn import create_app
from elearn.config import ConfigurationError
from tests.conftest import BASE_CONFIG


@pytest.fixture
def app_config():
    return {"OIDC_ISSUER": None, "OIDC_CLIENT_ID": None}


def test_no_button_and_no_routes_without_configuration(client):
    page = client.get("/login").get_data(as_text=True)
    assert "single sign-on" not in page and 'name="password"' in page
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


@pytest.mark.parametrize("role_map", ["elearn-admins=root", "no-equals-sign", "=admin"])
def test_a_malformed_role_map_stops_the_start(role_map):
    with pytest.raises(ConfigurationError, match="ELEARN_OIDC_ROLE_MAP"):
        create_app({**BASE_CONFIG, "OIDC_ISSUER": "https://id.politi.example", "OIDC_CLIENT_ID": "x",
                    "OIDC_ROLE_MAP": role_map})
