"""Every protected route: anonymous users are sent to log in, the wrong role gets 403."""

import pytest

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes.models import AttemptMode
from elearn.modules.quizzes.services import quiz_bank, start_attempt

EVERYONE = {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}
# (method, url, roles that may use it)
PROTECTED = [
    ("GET", "/", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account/password", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/modules", EVERYONE),
    ("GET", "/modules/first-steps", EVERYONE),
    ("GET", "/modules/first-steps/what", EVERYONE),
    ("POST", "/modules/first-steps/what/read", EVERYONE),
    ("GET", "/reference", EVERYONE),
    ("GET", "/reference/quick-card", EVERYONE),
    ("GET", "/search", EVERYONE),
    ("GET", "/content/media/diagram.png", EVERYONE),
    ("GET", "/quizzes/second-steps", EVERYONE),
    ("POST", "/quizzes/second-steps/start", EVERYONE),
    ("GET", "/attempts/{attempt_id}", EVERYONE),
    ("GET", "/attempts/{attempt_id}/1", EVERYONE),
    ("POST", "/attempts/{attempt_id}/1", EVERYONE),
    ("GET", "/attempts/{attempt_id}/finish", EVERYONE),
    ("POST", "/attempts/{attempt_id}/submit", EVERYONE),
    ("GET", "/attempts/{attempt_id}/result", EVERYONE),
    ("GET", "/quizzes/analysis", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/quizzes/second-steps/analysis", {Role.COORDINATOR, Role.ADMIN}),
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
    open_routes = {"/login", "/logout", "/language", "/healthz", "/static/<path:filename>", "/sw.js"}
    rules = {rule.rule for rule in app.url_map.iter_rules()} - open_routes
    generic = {"/modules/first-steps": "/modules/<slug>", "/reference/quick-card": "/reference/<slug>",
               "/modules/first-steps/what": "/modules/<slug>/<section_id>",
               "/modules/first-steps/what/read": "/modules/<slug>/<section_id>/read",
               "/content/media/diagram.png": "/content/media/<path:filename>",
               "/quizzes/second-steps": "/quizzes/<slug>",
               "/quizzes/second-steps/start": "/quizzes/<slug>/start",
               "/quizzes/second-steps/analysis": "/quizzes/<slug>/analysis",
               "/attempts/{attempt_id}/1": "/attempts/<int:attempt_id>/<int:page>"}
    listed = {generic.get(url, url).replace("{user_id}", "<int:user_id>")
              .replace("{unit_id}", "<int:unit_id>").replace("{attempt_id}", "<int:attempt_id>")
              for _, url, _ in PROTECTED}
    assert rules == listed


@pytest.fixture
def target(make_unit, make_user):
    unit = make_unit()
    owner = make_user(unit=unit)
    attempt = start_attempt(owner.id, quiz_bank().quiz("second-steps"),
                            catalogue().module("second-steps"), AttemptMode.GRADED, utcnow())
    db.session.commit()
    return {"user_id": owner.id, "unit_id": unit.id, "attempt_id": attempt.id}


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


# An attempt is its owner's alone: anybody else gets 404 (tests/modules/quizzes/test_views.py).
@pytest.mark.parametrize(("method", "url", "allowed"), [p for p in PROTECTED if p[0] == "GET"
                                                        and "{attempt_id}" not in p[1]])
def test_allowed_role_gets_the_page(client, auth, make_user, target, method, url, allowed):
    auth.login(make_user(*allowed))
    response = client.get(url.format(**target))
    response.close()
    assert response.status_code == 200
