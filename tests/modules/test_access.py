"""Every protected route: anonymous users are sent to log in, the wrong role gets 403."""

import pytest

from elearn.modules.auth.models import Role

# (method, url, roles that may use it)
PROTECTED = [
    ("GET", "/", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account/password", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/people", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/admin/users", {Role.ADMIN}),
    ("GET", "/admin/users/new", {Role.ADMIN}),
    ("GET", "/admin/users/{user_id}", {Role.ADMIN}),
    ("POST", "/admin/users/{user_id}/active", {Role.ADMIN}),
    ("GET", "/admin/units", {Role.ADMIN}),
    ("GET", "/admin/units/new", {Role.ADMIN}),
    ("GET", "/admin/units/{unit_id}", {Role.ADMIN}),
    ("POST", "/admin/units/{unit_id}/delete", {Role.ADMIN}),
    ("GET", "/admin/roster", {Role.ADMIN}),
    ("POST", "/admin/roster/confirm", {Role.ADMIN}),
]


def test_every_route_is_listed_here(app):
    open_routes = {"/login", "/logout", "/language", "/healthz", "/static/<path:filename>"}
    rules = {rule.rule for rule in app.url_map.iter_rules()} - open_routes
    listed = {url.replace("{user_id}", "<int:user_id>").replace("{unit_id}", "<int:unit_id>")
              for _, url, _ in PROTECTED}
    assert rules == listed


@pytest.fixture
def target(make_unit, make_user):
    unit = make_unit()
    return {"user_id": make_user(unit=unit).id, "unit_id": unit.id}


@pytest.mark.parametrize(("method", "url", "allowed"), PROTECTED)
def test_anonymous_is_sent_to_log_in(client, auth, target, method, url, allowed):
    url = url.format(**target)
    response = client.get(url) if method == "GET" else auth.post(url, {})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


FORBIDDEN = [(method, url, role) for method, url, allowed in PROTECTED
             for role in Role if role not in allowed]


@pytest.mark.parametrize(("method", "url", "role"), FORBIDDEN)
def test_wrong_role_gets_403(client, auth, make_user, target, method, url, role):
    auth.login(make_user(role))
    url = url.format(**target)
    response = client.get(url) if method == "GET" else auth.post(url, {})
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "url", "allowed"), [p for p in PROTECTED if p[0] == "GET"])
def test_allowed_role_gets_the_page(client, auth, make_user, target, method, url, allowed):
    auth.login(make_user(*allowed))
    assert client.get(url.format(**target)).status_code == 200
