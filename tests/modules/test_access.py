"""Every protected route: anonymous users are sent to log in, the wrong role gets 403."""

from datetime import date, timedelta

import pytest

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, Cohort, TargetKind
from elearn.modules.auth.models import Role
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.certification.services import new_number
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes.models import AttemptMode
from elearn.modules.quizzes.services import quiz_bank, start_attempt
from elearn.modules.workshops import checkin, services
from elearn.modules.workshops.feedback import send_need

EVERYONE = {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}
# (method, url, roles that may use it)
PROTECTED = [
    ("GET", "/", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account/password", {Role.LEARNER, Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/account/record", EVERYONE),  # always one's own: tests/modules/privacy
    ("GET", "/account/record.json", EVERYONE),
    ("GET", "/account/two-factor", EVERYONE),
    ("POST", "/account/two-factor", EVERYONE),
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
    ("GET", "/reports/", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/assignments", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/assignments.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/assignments.xlsx", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/people/{user_id}", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/people/{user_id}.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/people/{user_id}.xlsx", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/trends", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/trends.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/trends.xlsx", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/completion", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/completion.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/completion.xlsx", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/certification", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/certification.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/certification.xlsx", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/coverage", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/coverage.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/reports/coverage.xlsx", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/admin/users", {Role.ADMIN}),
    ("GET", "/admin/users/new", {Role.ADMIN}),
    ("GET", "/admin/users/{user_id}", {Role.ADMIN}),
    ("POST", "/admin/users/{user_id}/active", {Role.ADMIN}),
    ("GET", "/admin/users/{user_id}/anonymise", {Role.ADMIN}),
    ("POST", "/admin/users/{user_id}/anonymise", {Role.ADMIN}),
    ("POST", "/admin/users/{user_id}/two-factor/reset", {Role.ADMIN}),
    ("GET", "/admin/units", {Role.ADMIN}),
    ("GET", "/admin/units/new", {Role.ADMIN}),
    ("GET", "/admin/units/{unit_id}", {Role.ADMIN}),
    ("POST", "/admin/units/{unit_id}/delete", {Role.ADMIN}),
    ("GET", "/admin/roster", {Role.ADMIN}),
    ("POST", "/admin/roster/confirm", {Role.ADMIN}),
    ("GET", "/workshops", EVERYONE),
    ("GET", "/workshops/themes/case-workshop", EVERYONE),
    ("GET", "/workshops/sessions/{session_id}", EVERYONE),
    ("POST", "/workshops/sessions/{session_id}/register", EVERYONE),
    ("POST", "/workshops/sessions/{session_id}/cancel", EVERYONE),
    ("GET", "/workshops/sessions/{session_id}/calendar.ics", EVERYONE),
    ("POST", "/workshops/sessions/{session_id}/feedback", EVERYONE),  # attendees only: test_views
    ("GET", "/workshops/sessions/{session_id}/sign-in", EVERYONE),  # facilitator or coordinator
    ("GET", "/workshops/sessions/{session_id}/check-in-code", EVERYONE),  # the same
    ("POST", "/workshops/sessions/{session_id}/confirm-check-ins", EVERYONE),  # the same
    ("POST", "/workshops/registrations/{registration_id}/attendance", EVERYONE),  # the same
    ("GET", "/workshops/check-in/{token}", EVERYONE),
    ("GET", "/workshops/needs/new", EVERYONE),
    ("GET", "/workshops/manage", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/sessions/new", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/sessions/{session_id}", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/sessions/{session_id}/edit", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/workshops/manage/sessions/{session_id}/cancel", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/sessions/{session_id}/invite", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/sessions/{session_id}/registrations.csv",
     {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/attendance.csv", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/workshops/manage/registrations/{registration_id}/cancel",
     {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/feedback", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/workshops/manage/needs", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/workshops/manage/needs/{need_id}/status", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/paths/key-officer", EVERYONE),
    ("GET", "/certificates/{number}", EVERYONE),  # holder or their coordinator: certification tests
    ("GET", "/certificates/{number}/certificate.pdf", EVERYONE),  # the same
    ("GET", "/key-officers", EVERYONE),
    ("GET", "/certification/manage", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/assignments", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/assignments/new", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/assignments/new", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/assignments/{assignment_id}", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/assignments/{assignment_id}/withdraw", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/cohorts", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/cohorts/new", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/new", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/cohorts/{cohort_id}", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/{cohort_id}", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/{cohort_id}/rename", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/{cohort_id}/delete", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/{cohort_id}/members/{user_id}/remove", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/cohorts/{cohort_id}/import", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/{cohort_id}/import", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/cohorts/{cohort_id}/import/confirm", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/certification/awards/{award_id}/revoke", {Role.COORDINATOR, Role.ADMIN}),
    ("POST", "/certification/awards/{award_id}/revoke", {Role.COORDINATOR, Role.ADMIN}),
    ("GET", "/metrics", {Role.ADMIN}),  # or from this machine: the client below is remote
]
GENERIC = {"/modules/first-steps": "/modules/<slug>", "/reference/quick-card": "/reference/<slug>",
           "/modules/first-steps/what": "/modules/<slug>/<section_id>",
           "/modules/first-steps/what/read": "/modules/<slug>/<section_id>/read",
           "/content/media/diagram.png": "/content/media/<path:filename>",
           "/quizzes/second-steps": "/quizzes/<slug>",
           "/quizzes/second-steps/start": "/quizzes/<slug>/start",
           "/quizzes/second-steps/analysis": "/quizzes/<slug>/analysis",
           "/attempts/{attempt_id}/1": "/attempts/<int:attempt_id>/<int:page>",
           "/workshops/themes/case-workshop": "/workshops/themes/<slug>",
           "/workshops/check-in/{token}": "/workshops/check-in/<token>",
           "/paths/key-officer": "/paths/<slug>", "/certificates/{number}": "/certificates/<number>",
           "/certificates/{number}/certificate.pdf": "/certificates/<number>/certificate.pdf",
           "/reports/trends.csv": "/reports/trends.<fmt>", "/reports/trends.xlsx": "/reports/trends.<fmt>",
           "/reports/completion.csv": "/reports/completion.<fmt>",
           "/reports/completion.xlsx": "/reports/completion.<fmt>",
           "/reports/certification.csv": "/reports/certification.<fmt>",
           "/reports/certification.xlsx": "/reports/certification.<fmt>",
           "/reports/coverage.csv": "/reports/coverage.<fmt>",
           "/reports/coverage.xlsx": "/reports/coverage.<fmt>",
           "/reports/people/{user_id}.csv": "/reports/people/{user_id}.<fmt>",
           "/reports/people/{user_id}.xlsx": "/reports/people/{user_id}.<fmt>",
           "/reports/assignments.csv": "/reports/assignments.<fmt>",
           "/reports/assignments.xlsx": "/reports/assignments.<fmt>"}
ID_NAMES = ("user_id", "unit_id", "attempt_id", "session_id", "registration_id", "need_id",
            "assignment_id", "cohort_id",
            "award_id")


def test_every_route_is_listed_here(app):
    open_routes = {"/login", "/logout", "/language", "/healthz", "/static/<path:filename>", "/sw.js",
                   "/verify/<number>", "/privacy",
                   "/login/two-factor",  # the code step after the password: tests/modules/auth
                   "/login/sso", "/login/sso/callback"}  # single sign-on: tests/modules/sso
    rules = {rule.rule for rule in app.url_map.iter_rules()} - open_routes
    listed = set()
    for _, url, _ in PROTECTED:
        url = GENERIC.get(url, url)
        for name in ID_NAMES:
            url = url.replace("{" + name + "}", f"<int:{name}>")
        listed.add(url)
    assert rules == listed


@pytest.fixture
def client(client):
    """Requests from another machine, as through the reverse proxy (/metrics also lets loopback in)."""
    client.environ_base["REMOTE_ADDR"] = "192.0.2.40"
    return client


@pytest.fixture
def target(make_unit, make_user, make_session):
    unit = make_unit()
    user = make_user(unit=unit)
    attempt = start_attempt(user.id, quiz_bank().quiz("second-steps"),
                            catalogue().module("second-steps"), AttemptMode.GRADED, utcnow())
    session = make_session(unit=unit)
    registration = services.register(session, user, session.starts_at - timedelta(days=1))
    need = send_need(user, "Digital stalking", "", "", utcnow())
    award = CertificateAward(user_id=user.id, path_slug="key-officer", number=new_number(),
                             expires_at=utcnow() + timedelta(days=700))
    db.session.add(award)
    db.session.flush()
    db.session.add(AwardRevision(award_id=award.id, number=1, reason="issued",
                                 expires_at=award.expires_at, pdf=b"%PDF-1.4", fingerprint="0" * 64))
    db.session.commit()
    cohort = Cohort(name="Elever", unit_id=unit.id)
    db.session.add(cohort)
    db.session.flush()
    assignment = Assignment(target_kind=TargetKind.MODULE, target_slug="first-steps",
                            audience=Audience.COHORT, cohort_id=cohort.id, due_on=date(2030, 1, 1))
    db.session.add(assignment)
    db.session.commit()
    return {"assignment_id": assignment.id, "cohort_id": cohort.id,
            "user_id": user.id, "unit_id": unit.id, "attempt_id": attempt.id,
            "session_id": session.id, "registration_id": registration.id, "need_id": need.id,
            "token": checkin.make_token(session.id), "award_id": award.id, "number": award.number}


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
