"""The workshop pages over HTTP: registering, scheduling, scoping, attendance, check-in,
feedback, knowledge needs, invitations, exports and bad input."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.workshops import checkin, services
from elearn.modules.workshops.models import (
    Feedback,
    Invitation,
    KnowledgeNeed,
    NeedStatus,
    Registration,
    WorkshopSession,
)
from elearn.modules.workshops.models import RegistrationState as S

DAY = timedelta(days=1)


@pytest.fixture
def unit(make_unit):
    return make_unit("Patrulje Horsens")


@pytest.fixture
def coordinator(make_user, unit):
    return make_user(Role.COORDINATOR, unit=unit)


def _form(**changes):
    data = {"workshop_slug": "case-workshop", "unit_id": "", "date": "2030-03-14",
            "start_time": "09:00", "end_time": "12:00", "place": "Horsens politistation",
            "online_url": "", "facilitator_email": "", "capacity": "12", "audience": "open",
            "registration_deadline": "", "cancellation_deadline": ""}
    return {**data, **changes}


def test_learner_registers_and_cancels_and_the_next_is_promoted(client, auth, make_user,
                                                                make_session):
    session = make_session(capacity=1)
    first, second = make_user(), make_user()
    auth.login(first)
    page = auth.post(f"/workshops/sessions/{session.id}/register", {}, follow_redirects=True)
    assert "You are registered" in page.get_data(as_text=True)
    auth.logout()
    auth.login(second)
    page = auth.post(f"/workshops/sessions/{session.id}/register", {}, follow_redirects=True)
    assert "on the waiting list" in page.get_data(as_text=True)
    auth.logout()
    auth.login(first)
    page = auth.post(f"/workshops/sessions/{session.id}/cancel", {"reason": "On duty"},
                     follow_redirects=True)
    assert "Your registration is cancelled" in page.get_data(as_text=True)
    assert services.find_registration(session.id, second.id).state is S.REGISTERED
    assert services.find_registration(session.id, first.id).cancel_reason == "On duty"


def test_session_page_shows_danish_dates_in_copenhagen_time(client, auth, make_user, make_session):
    session = make_session()
    session.starts_at, session.ends_at = datetime(2030, 11, 27, 8, 0), datetime(2030, 11, 27, 11, 0)
    session.registration_deadline = session.cancellation_deadline = session.starts_at
    db.session.commit()
    auth.login(make_user(locale="da"))
    text = client.get(f"/workshops/sessions/{session.id}").get_data(as_text=True)
    assert "27. november 2030, 09:00–12:00" in text
    assert "Tilmeld mig" in text


def test_coordinator_schedules_a_session_in_danish_time(client, auth, coordinator, unit):
    auth.login(coordinator)
    response = auth.post("/workshops/manage/sessions/new", _form(unit_id=str(unit.id)))
    assert response.status_code == 302
    session = db.session.scalar(select(WorkshopSession))
    assert session.starts_at == datetime(2030, 3, 14, 8, 0)  # 09:00 CET
    assert session.registration_deadline == session.starts_at
    assert session.unit_id == unit.id


@pytest.mark.parametrize(("changes", "message"), [
    ({"date": "2030-13-45"}, "Not a valid date value"),
    ({"capacity": "99999999999999999999"}, "Number must be between 1 and 1000"),
    ({"capacity": "many"}, "Not a valid integer value"),
    ({"end_time": "08:00"}, "The session must end after it starts"),
    ({"date": "2001-01-01"}, "The session must start in the future"),
    ({"place": ""}, "Give a place or an online link"),
    ({"workshop_slug": "no-such-workshop"}, "Not a valid choice"),
    ({"facilitator_email": "nobody@politi.example"}, "No active account has this e-mail address"),
    ({"registration_deadline": "2030-03-15T08:00"}, "A deadline cannot be after the session starts"),
    ({"audience": "everyone"}, "Not a valid choice"),
])
def test_bad_session_input_is_a_form_error(client, auth, coordinator, unit, changes, message):
    auth.login(coordinator)
    response = auth.post("/workshops/manage/sessions/new", _form(unit_id=str(unit.id), **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(WorkshopSession)) is None


def test_coordinator_cannot_schedule_for_another_unit(client, auth, coordinator, make_unit):
    other = make_unit()
    auth.login(coordinator)
    response = auth.post("/workshops/manage/sessions/new", _form(unit_id=str(other.id)))
    assert response.status_code == 400  # the unit is not among the choices
    assert db.session.scalar(select(WorkshopSession)) is None


@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/workshops/manage/sessions/{id}"),
    ("GET", "/workshops/manage/sessions/{id}/edit"),
    ("POST", "/workshops/manage/sessions/{id}/edit"),
    ("POST", "/workshops/manage/sessions/{id}/cancel"),
    ("GET", "/workshops/manage/sessions/{id}/invite"),
    ("POST", "/workshops/manage/sessions/{id}/invite"),
    ("GET", "/workshops/manage/sessions/{id}/registrations.csv"),
    ("GET", "/workshops/sessions/{id}/sign-in"),
    ("GET", "/workshops/sessions/{id}/check-in-code"),
    ("POST", "/workshops/sessions/{id}/confirm-check-ins"),
])
def test_another_units_coordinator_is_refused(client, auth, make_user, make_unit, make_session,
                                              method, url):
    session = make_session(unit=make_unit())
    auth.login(make_user(Role.COORDINATOR, unit=make_unit()))
    url = url.format(id=session.id)
    response = client.get(url) if method == "GET" else auth.post(url, {"reason": "x"})
    assert response.status_code == 403
    assert db.session.get(WorkshopSession, session.id).state.value == "scheduled"


def test_coordinator_of_a_parent_unit_manages_sub_unit_sessions(client, auth, make_user, make_unit,
                                                                make_session):
    district = make_unit()
    team = make_unit(parent=district)
    session = make_session(unit=team)
    auth.login(make_user(Role.COORDINATOR, unit=district))
    assert client.get(f"/workshops/manage/sessions/{session.id}").status_code == 200
    overview = client.get("/workshops/manage").get_data(as_text=True)
    assert f"/workshops/manage/sessions/{session.id}" in overview


def test_overview_lists_only_sessions_in_scope(client, auth, coordinator, unit, make_unit,
                                               make_session):
    mine, theirs = make_session(unit=unit), make_session(unit=make_unit())
    auth.login(coordinator)
    text = client.get("/workshops/manage").get_data(as_text=True)
    assert f"/workshops/manage/sessions/{mine.id}\"" in text
    assert f"/workshops/manage/sessions/{theirs.id}\"" not in text
    rows = client.get("/workshops/manage/attendance.csv").get_data(as_text=True)
    assert rows.count("\n") == 1  # the header only: nobody registered in scope


def test_invitation_only_session_is_hidden_from_others(client, auth, make_user, make_session):
    session = make_session(audience="invited")
    auth.login(make_user())
    assert client.get(f"/workshops/sessions/{session.id}").status_code == 404
    assert auth.post(f"/workshops/sessions/{session.id}/register", {}).status_code == 404
    assert f"/workshops/sessions/{session.id}\"" not in client.get("/workshops").get_data(
        as_text=True)


def test_invite_a_unit_with_its_sub_units_and_named_people(client, auth, make_user, make_unit,
                                                           make_session):
    district = make_unit()
    team = make_unit(parent=district)
    coordinator = make_user(Role.COORDINATOR, unit=district)
    in_team, outsider = make_user(unit=team), make_user(unit=make_unit())
    named = make_user(unit=district)
    session = make_session(unit=district, audience="invited")
    auth.login(coordinator)
    response = auth.post(f"/workshops/manage/sessions/{session.id}/invite",
                         {"unit_ids": [str(team.id)], "path": "", "emails": named.email + "\n"})
    assert response.status_code == 302
    invited = set(db.session.scalars(select(Invitation.user_id)))
    assert invited == {in_team.id, named.id}
    assert outsider.id not in invited
    mail = db.session.scalars(select(OutboxMessage.user_id)
                              .where(OutboxMessage.subject.startswith("Invitation"))).all()
    assert sorted(mail) == sorted(invited)
    auth.logout()
    auth.login(in_team)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Invitation:" in dashboard and f"/workshops/sessions/{session.id}" in dashboard
    auth.post(f"/workshops/sessions/{session.id}/register", {})
    assert services.find_registration(session.id, in_team.id).state is S.REGISTERED


def test_named_people_outside_the_coordinators_units_are_reported_not_invited(
        client, auth, coordinator, unit, make_user, make_unit, make_session):
    session = make_session(unit=unit)
    outsider = make_user(unit=make_unit())
    auth.login(coordinator)
    response = auth.post(f"/workshops/manage/sessions/{session.id}/invite",
                         {"emails": outsider.email}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "1 person was not invited: outside your units or deactivated." in text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_invite_by_unknown_address_is_a_form_error(client, auth, coordinator, unit, make_session):
    session = make_session(unit=unit)
    auth.login(coordinator)
    response = auth.post(f"/workshops/manage/sessions/{session.id}/invite",
                         {"emails": "ghost@politi.example"})
    assert response.status_code == 400
    assert "ghost@politi.example" in response.get_data(as_text=True)


def test_invite_a_paths_learners(client, auth, coordinator, unit, make_user, make_session):
    from elearn.modules.progress.models import ModuleProgress

    started, idle = make_user(unit=unit), make_user(unit=unit)
    db.session.add(ModuleProgress(user_id=started.id, module_slug="first-steps", major_version=1,
                                  version="1.0"))
    session = make_session(unit=unit)
    auth.login(coordinator)
    auth.post(f"/workshops/manage/sessions/{session.id}/invite", {"path": "recruit"})
    assert set(db.session.scalars(select(Invitation.user_id))) == {started.id}
    assert idle.id != started.id


def test_facilitator_takes_attendance_and_others_cannot(client, auth, make_user, make_session):
    facilitator, learner, stranger = make_user(), make_user(), make_user()
    session = make_session(facilitator=facilitator, starts_in=-timedelta(minutes=10))
    registration = Registration(session_id=session.id, user_id=learner.id, state=S.REGISTERED,
                                queued_at=session.starts_at - DAY, updated_at=session.starts_at)
    db.session.add(registration)
    db.session.commit()
    auth.login(stranger)
    assert client.get(f"/workshops/sessions/{session.id}/sign-in").status_code == 403
    assert auth.post(f"/workshops/registrations/{registration.id}/attendance",
                     {"attendance": "attended"}).status_code == 403
    auth.logout()
    auth.login(facilitator)
    sheet = client.get(f"/workshops/sessions/{session.id}/sign-in").get_data(as_text=True)
    assert learner.name in sheet
    assert auth.post(f"/workshops/registrations/{registration.id}/attendance",
                     {"attendance": "maybe"}).status_code == 400
    auth.post(f"/workshops/registrations/{registration.id}/attendance", {"attendance": "no_show"})
    assert db.session.get(Registration, registration.id).state is S.NO_SHOW


def test_check_in_with_the_code_then_the_facilitator_confirms(client, auth, make_user,
                                                              make_session):
    facilitator, learner = make_user(), make_user()
    session = make_session(facilitator=facilitator, starts_in=-timedelta(minutes=5))
    db.session.add(Registration(session_id=session.id, user_id=learner.id, state=S.REGISTERED,
                                queued_at=session.starts_at - DAY, updated_at=session.starts_at))
    db.session.commit()
    auth.login(facilitator)
    page = client.get(f"/workshops/sessions/{session.id}/check-in-code").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    token = checkin.make_token(session.id)
    auth.logout()
    auth.login(learner)
    assert client.get(f"/workshops/check-in/{token}").status_code == 200
    auth.post(f"/workshops/check-in/{token}", {})
    assert services.find_registration(session.id, learner.id).checked_in_at is not None
    assert client.get("/workshops/check-in/forged-token").status_code == 404
    auth.logout()
    auth.login(facilitator)
    auth.post(f"/workshops/sessions/{session.id}/confirm-check-ins", {})
    assert services.find_registration(session.id, learner.id).state is S.ATTENDED


def test_an_expired_check_in_code_is_refused(client, auth, make_user, make_session, monkeypatch):
    session = make_session()
    token = checkin.make_token(session.id)
    monkeypatch.setattr(checkin, "VALID_SECONDS", -1)
    auth.login(make_user())
    response = client.get(f"/workshops/check-in/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_feedback_only_after_attending_with_a_personal_data_warning(client, auth, make_user,
                                                                    make_session):
    attendee, absent = make_user(), make_user()
    session = make_session(starts_in=-timedelta(days=2))
    for person, state in ((attendee, S.ATTENDED), (absent, S.NO_SHOW)):
        db.session.add(Registration(session_id=session.id, user_id=person.id, state=state,
                                    queued_at=session.starts_at - DAY, updated_at=session.starts_at))
    db.session.commit()
    url = f"/workshops/sessions/{session.id}/feedback"
    auth.login(absent)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(attendee)
    assert "personal data" in client.get(url).get_data(as_text=True)
    assert auth.post(url, {"rating": "9", "useful": "x"}).status_code == 400
    assert auth.post(url, {"rating": "4", "useful": "Role play", "missing": ""}).status_code == 302
    assert db.session.scalar(select(Feedback)).rating == 4
    auth.post(url, {"rating": "5", "useful": "Role play", "missing": "More time"})
    assert [f.rating for f in db.session.scalars(select(Feedback))] == [5]


def test_coordinator_reads_feedback_per_session_and_workshop(client, auth, coordinator, unit,
                                                             make_user, make_session):
    session = make_session(unit=unit, starts_in=-timedelta(days=2))
    db.session.add(Feedback(session_id=session.id, user_id=make_user().id, rating=4,
                            useful="The case work", missing="More on consent"))
    db.session.commit()
    auth.login(coordinator)
    assert "More on consent" in client.get(f"/workshops/manage/sessions/{session.id}").get_data(
        as_text=True)
    overview = client.get("/workshops/manage/feedback").get_data(as_text=True)
    assert "Case workshop" in overview and "4.0" in overview


def test_knowledge_needs_reach_only_the_units_coordinators(client, auth, coordinator, unit,
                                                          make_user, make_unit):
    learner = make_user(unit=unit)
    auth.login(learner)
    response = auth.post("/workshops/needs/new", {"topic": "Consent declarations",
                                                  "why": "Unsure how to ask",
                                                  "workshop_slug": "case-workshop"})
    assert response.status_code == 302
    need = db.session.scalar(select(KnowledgeNeed))
    assert (need.unit_id, need.workshop_slug) == (unit.id, "case-workshop")
    auth.logout()
    other = make_user(Role.COORDINATOR, unit=make_unit())
    auth.login(other)
    assert "Consent declarations" not in client.get("/workshops/manage/needs").get_data(
        as_text=True)
    auth.post(f"/workshops/manage/needs/{need.id}/status", {"status": "planned"})
    assert db.session.get(KnowledgeNeed, need.id).status is NeedStatus.NEW
    auth.logout()
    auth.login(coordinator)
    assert "Consent declarations" in client.get("/workshops/manage/needs").get_data(as_text=True)
    auth.post(f"/workshops/manage/needs/{need.id}/status", {"status": "planned"})
    assert db.session.get(KnowledgeNeed, need.id).status is NeedStatus.PLANNED
    assert client.get("/workshops/manage/needs?status=bogus").status_code == 200


def test_csv_export_neutralises_formulas(client, auth, coordinator, unit, make_user, make_session):
    session = make_session(unit=unit)
    person = make_user(name="=HYPERLINK(\"http://evil\")", unit=unit)
    services.register(session, person, session.starts_at - DAY)
    db.session.commit()
    auth.login(coordinator)
    response = client.get(f"/workshops/manage/sessions/{session.id}/registrations.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["workshop", "session_start", "name"]
    assert rows[1][2] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][5] == "registered"


def test_calendar_download(client, auth, make_user, make_session):
    session = make_session()
    auth.login(make_user())
    response = client.get(f"/workshops/sessions/{session.id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert f"UID:workshop-session-{session.id}@localhost\r\n" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/workshops/sessions/999999", "/workshops/sessions/99999999999",
                                 "/workshops/themes/nope", "/workshops/manage/sessions/999999",
                                 "/workshops/sessions/999999/calendar.ics"])
def test_unknown_things_are_404(client, auth, make_user, url):
    auth.login(make_user(Role.ADMIN))
    assert client.get(url).status_code == 404


def test_cancel_a_session_needs_a_reason_and_tells_people(client, auth, coordinator, unit,
                                                           make_user, make_session):
    session = make_session(unit=unit)
    services.register(session, make_user(), session.starts_at - DAY)
    db.session.commit()
    auth.login(coordinator)
    auth.post(f"/workshops/manage/sessions/{session.id}/cancel", {"cancel-reason": ""})
    assert db.session.get(WorkshopSession, session.id).state.value == "scheduled"
    auth.post(f"/workshops/manage/sessions/{session.id}/cancel",
              {"cancel-reason": "Facilitator ill"})
    assert db.session.get(WorkshopSession, session.id).state.value == "cancelled"
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.subject.startswith("Session cancelled"))) is not None


def test_edit_form_round_trips_the_session(client, auth, coordinator, unit, make_session):
    session = make_session(unit=unit)
    auth.login(coordinator)
    page = client.get(f"/workshops/manage/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'name="capacity" ' in page and 'value="5"' in page


def test_coordinator_cancels_a_place_after_the_deadline_and_the_next_is_promoted(
        client, auth, coordinator, unit, make_user, make_unit, make_session):
    session = make_session(unit=unit, capacity=1)
    session.cancellation_deadline = session.starts_at - 3 * DAY
    db.session.commit()
    holder, waiting = make_user(), make_user()
    held = services.register(session, holder, session.starts_at - 4 * DAY)
    services.register(session, waiting, session.starts_at - 4 * DAY)
    db.session.commit()
    auth.login(make_user(Role.COORDINATOR, unit=make_unit()))
    assert auth.post(f"/workshops/manage/registrations/{held.id}/cancel", {}).status_code == 403
    auth.logout()
    auth.login(coordinator)
    auth.post(f"/workshops/manage/registrations/{held.id}/cancel", {})
    assert db.session.get(Registration, held.id).state is S.CANCELLED
    assert services.find_registration(session.id, waiting.id).state is S.REGISTERED


def test_an_online_link_must_be_a_web_address(client, auth, coordinator, unit):
    auth.login(coordinator)
    response = auth.post("/workshops/manage/sessions/new",
                         _form(unit_id=str(unit.id), place="",
                               online_url="javascript://example.com/%0aalert(1)"))
    assert response.status_code == 400
    assert db.session.scalar(select(WorkshopSession)) is None


GARBAGE = {"workshop_slug": "x" * 5000, "unit_id": "99999999999999999999", "date": "0000-00-00",
           "start_time": "25:61", "end_time": "-1", "capacity": "1e9", "audience": "\x00",
           "registration_deadline": "tomorrow", "unit_ids": ["a", "-1"], "path": "../../etc",
           "emails": "not an address", "rating": "NaN", "status": "deleted", "attendance": "maybe",
           "reason": "x" * 10000, "topic": "", "cancel-reason": "x" * 10000}


@pytest.mark.parametrize("url", [
    "/workshops/manage/sessions/new", "/workshops/manage/sessions/{id}/edit",
    "/workshops/manage/sessions/{id}/cancel", "/workshops/manage/sessions/{id}/invite",
    "/workshops/sessions/{id}/register", "/workshops/sessions/{id}/cancel",
    "/workshops/sessions/{id}/feedback", "/workshops/needs/new",
    "/workshops/manage/needs/{need}/status", "/workshops/registrations/{registration}/attendance",
    "/workshops/manage/registrations/{registration}/cancel",
    "/workshops/sessions/{id}/confirm-check-ins", "/workshops/check-in/{token}",
])
def test_garbage_input_never_causes_a_server_error(client, auth, make_user, make_session, url):
    admin = make_user(Role.ADMIN)
    session = make_session()
    registration = services.register(session, admin, session.starts_at - DAY)
    need = KnowledgeNeed(user_id=admin.id, topic="x", status=NeedStatus.NEW)
    db.session.add(need)
    db.session.commit()
    auth.login(admin)
    url = url.format(id=session.id, need=need.id, registration=registration.id,
                     token=checkin.make_token(session.id))
    response = auth.post(url, GARBAGE)
    assert response.status_code < 500
    assert client.get(url + "?page=-1&past=%00&status=%FF").status_code < 500


def test_dashboard_asks_attendees_for_feedback_once(client, auth, make_user, make_session):
    person = make_user()
    session = make_session(starts_in=-timedelta(days=2))
    db.session.add(Registration(session_id=session.id, user_id=person.id, state=S.ATTENDED,
                                queued_at=session.starts_at - DAY, updated_at=session.starts_at))
    db.session.commit()
    auth.login(person)
    feedback_link = f"/workshops/sessions/{session.id}/feedback"
    assert feedback_link in client.get("/").get_data(as_text=True)
    auth.post(feedback_link, {"rating": "3"})
    assert feedback_link not in client.get("/").get_data(as_text=True)


def test_the_waiting_list_is_numbered_for_the_coordinator(client, auth, coordinator, unit,
                                                          make_user, make_session):
    session = make_session(unit=unit, capacity=1)
    for person in (make_user(), make_user(), make_user()):
        services.register(session, person, session.starts_at - DAY)
    db.session.commit()
    auth.login(coordinator)
    text = client.get(f"/workshops/manage/sessions/{session.id}").get_data(as_text=True)
    assert "no. 1" in text and "no. 2" in text and "no. 3" not in text


def test_the_check_in_code_of_a_workshop_with_a_non_ascii_title(client, auth, make_user, make_session,
                                                                  monkeypatch):
    facilitator = make_user()
    session = make_session(facilitator=facilitator, starts_in=-timedelta(minutes=5))
    monkeypatch.setattr("elearn.modules.workshops.views.notify.title",
                        lambda *_: "Stalking – første møde på Århus")
    auth.login(facilitator)
    page = client.get(f"/workshops/sessions/{session.id}/check-in-code")
    assert page.status_code == 200
    assert "<title>Check-in code for Stalking – første møde på Århus</title>" in page.get_data(as_text=True)
