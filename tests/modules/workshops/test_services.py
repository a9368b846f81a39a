"""The registration state machine as a table, promotion from the waiting list, deadlines,
attendance, check-in and the attendance query certification will read."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.errors import Conflict, DomainError, Forbidden
from elearn.extensions import db
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.workshops import scheduling, services
from elearn.modules.workshops.models import Audience, Invitation, Registration, SessionState
from elearn.modules.workshops.models import RegistrationState as S

DAY = timedelta(days=1)


def _place(session, user, state, when):
    registration = Registration(session_id=session.id, user_id=user.id, state=state, queued_at=when,
                                updated_at=when)
    db.session.add(registration)
    db.session.commit()
    return registration


def _act(action, session, user):
    registration = services.find_registration(session.id, user.id)
    before_start, at_start = session.starts_at - DAY, session.starts_at
    if action == "register":
        return services.register(session, user, before_start)
    if action == "cancel":
        services.cancel(registration, before_start)
        return registration
    return services.mark_attendance(registration, action == "attend", user.id, at_start)


# (the person's state before, someone else already holds the only place, action, state after)
TABLE = [
    (None, False, "register", S.REGISTERED),
    (None, True, "register", S.WAITLISTED),
    (S.REGISTERED, False, "register", S.REGISTERED),
    (S.WAITLISTED, True, "register", S.WAITLISTED),
    (S.CANCELLED, False, "register", S.REGISTERED),
    (S.CANCELLED, True, "register", S.WAITLISTED),
    (S.ATTENDED, False, "register", Conflict),
    (S.NO_SHOW, False, "register", Conflict),
    (S.REGISTERED, False, "cancel", S.CANCELLED),
    (S.WAITLISTED, True, "cancel", S.CANCELLED),
    (S.CANCELLED, False, "cancel", Conflict),
    (S.ATTENDED, False, "cancel", Conflict),
    (S.NO_SHOW, False, "cancel", Conflict),
    (S.REGISTERED, False, "attend", S.ATTENDED),
    (S.REGISTERED, False, "no_show", S.NO_SHOW),
    (S.NO_SHOW, False, "attend", S.ATTENDED),
    (S.ATTENDED, False, "no_show", S.NO_SHOW),
    (S.WAITLISTED, True, "attend", Conflict),
    (S.CANCELLED, False, "attend", Conflict),
]


@pytest.mark.parametrize(("before", "full", "action", "after"), TABLE)
def test_registration_state_machine(make_session, make_user, before, full, action, after):
    session = make_session(capacity=1)
    person, other = make_user(), make_user()
    start = session.starts_at - 3 * DAY
    if full:
        _place(session, other, S.REGISTERED, start)
    if before is not None:
        _place(session, person, before, start + timedelta(minutes=1))
    if isinstance(after, type):
        with pytest.raises(after):
            _act(action, session, person)
        db.session.rollback()
        current = services.find_registration(session.id, person.id)
        assert (current.state if current else None) == before
    else:
        assert _act(action, session, person).state is after
        db.session.commit()
        rows = db.session.scalar(select(func.count()).select_from(Registration)
                                 .where(Registration.user_id == person.id))
        assert rows == 1


@pytest.mark.both_databases
def test_cancelling_promotes_the_first_on_the_waiting_list_and_tells_them(backend, make_session, make_user):
    session = make_session(capacity=1)
    holder, first, second = make_user(), make_user(), make_user()
    now = session.starts_at - 2 * DAY
    held = services.register(session, holder, now)
    services.register(session, second, now + timedelta(minutes=2))
    services.register(session, first, now + timedelta(minutes=1))  # asked later, joined earlier
    db.session.commit()
    assert services.waitlist_position(services.find_registration(session.id, first.id)) == 1
    assert services.waitlist_position(services.find_registration(session.id, second.id)) == 2
    promoted = services.cancel(held, now + timedelta(hours=1), "ill")
    db.session.commit()
    assert [r.user_id for r in promoted] == [first.id]
    assert services.find_registration(session.id, second.id).state is S.WAITLISTED
    assert services.waitlist_position(services.find_registration(session.id, second.id)) == 1
    subjects = db.session.scalars(select(OutboxMessage.subject)
                                  .where(OutboxMessage.user_id == first.id)).all()
    assert subjects[-1].startswith("A place is free")


def test_registration_closes_at_its_deadline(make_session, make_user):
    session = make_session()
    session.registration_deadline = session.starts_at - DAY
    db.session.commit()
    with pytest.raises(DomainError, match="closed"):
        services.register(session, make_user(), session.starts_at - DAY)
    assert services.register(session, make_user(), session.starts_at - 2 * DAY).state is S.REGISTERED


def test_only_a_coordinator_can_cancel_after_the_cancellation_deadline(make_session, make_user):
    session = make_session(capacity=1)
    session.cancellation_deadline = session.starts_at - DAY
    db.session.commit()
    registration = services.register(session, make_user(), session.starts_at - 3 * DAY)
    waiting = services.register(session, make_user(), session.starts_at - 3 * DAY)
    db.session.commit()
    with pytest.raises(DomainError, match="deadline"):
        services.cancel(registration, session.starts_at - DAY)
    db.session.rollback()
    promoted = services.cancel(registration, session.starts_at - DAY, by_coordinator=True)
    assert [r.id for r in promoted] == [waiting.id]


def test_leaving_the_waiting_list_is_possible_after_the_cancellation_deadline(make_session,
                                                                              make_user):
    session = make_session(capacity=1)
    session.cancellation_deadline = session.starts_at - DAY
    services.register(session, make_user(), session.starts_at - 3 * DAY)
    waiting = services.register(session, make_user(), session.starts_at - 3 * DAY)
    assert services.cancel(waiting, session.starts_at - timedelta(hours=1)) == []
    assert waiting.state is S.CANCELLED


def test_cancelled_session_takes_no_registrations(make_session, make_user):
    session = make_session()
    session.state = SessionState.CANCELLED
    db.session.commit()
    with pytest.raises(Conflict):
        services.register(session, make_user(), session.starts_at - DAY)


def test_invitation_only_session_needs_an_invitation(make_session, make_user):
    session = make_session(audience="invited")
    stranger, invitee = make_user(), make_user()
    db.session.add(Invitation(session_id=session.id, user_id=invitee.id))
    db.session.commit()
    with pytest.raises(Forbidden):
        services.register(session, stranger, session.starts_at - DAY)
    db.session.rollback()
    assert services.register(session, invitee, session.starts_at - DAY).state is S.REGISTERED


def test_registering_queues_a_confirmation_with_a_calendar_file(make_session, make_user):
    session = make_session()
    person = make_user(locale="da")
    services.register(session, person, session.starts_at - DAY)
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == person.id))
    assert message.subject == "Du er tilmeldt: Sagsworkshop"
    assert "Horsens politistation" in message.body
    [attachment] = message.attachments
    assert attachment["content_type"] == "text/calendar; method=REQUEST"
    assert "BEGIN:VEVENT" in attachment["content"]


def test_raising_capacity_promotes_and_lowering_below_the_taken_places_is_refused(
        make_session, make_user, make_unit):
    unit = make_unit()
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=unit)
    session = make_session(unit=unit, capacity=1)
    now = session.starts_at - 2 * DAY
    services.register(session, make_user(), now)
    waiting = services.register(session, make_user(), now)
    db.session.commit()
    plan = _plan(session, capacity=2)
    promoted = scheduling.update(coordinator, session, plan, "", now)
    assert [r.id for r in promoted] == [waiting.id]
    db.session.commit()
    with pytest.raises(Conflict):
        scheduling.update(coordinator, session, _plan(session, capacity=1), "", now)


def _plan(session, **changes):
    values = {name: getattr(session, name) for name in (
        "workshop_slug", "unit_id", "starts_at", "ends_at", "place", "online_url", "facilitator_id",
        "capacity", "audience", "registration_deadline", "cancellation_deadline")}
    return scheduling.SessionPlan(**{**values, **changes})


def test_moving_a_session_tells_everyone_registered_or_waiting(make_session, make_user, make_unit):
    unit = make_unit()
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=unit)
    session = make_session(unit=unit, capacity=1)
    now = session.starts_at - 2 * DAY
    people = [make_user(), make_user()]
    for person in people:
        services.register(session, person, now)
    revision = session.revision
    later = session.starts_at + DAY
    scheduling.update(coordinator, session, _plan(session, starts_at=later, ends_at=later + DAY / 8,
                                                  registration_deadline=later,
                                                  cancellation_deadline=later), "room booked", now)
    db.session.commit()
    moved = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.startswith("Changed time or place"))).all()
    assert sorted(m.user_id for m in moved) == sorted(p.id for p in people)
    assert "room booked" in moved[0].body
    assert session.revision > revision


def test_cancelling_a_session_keeps_it_and_sends_a_calendar_cancel(make_session, make_user,
                                                                   make_unit):
    unit = make_unit()
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=unit)
    session = make_session(unit=unit)
    person = make_user()
    services.register(session, person, session.starts_at - DAY)
    assert scheduling.cancel_session(coordinator, session, "Facilitator ill") == 1
    db.session.commit()
    assert db.session.get(type(session), session.id).state is SessionState.CANCELLED
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == person.id).order_by(OutboxMessage.id)).all()[-1]
    assert "METHOD:CANCEL" in message.attachments[0]["content"]
    with pytest.raises(Conflict):
        scheduling.cancel_session(coordinator, session, "again")


def test_a_coordinator_cannot_change_another_units_session(make_session, make_user, make_unit):
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=make_unit())
    session = make_session(unit=make_unit())
    with pytest.raises(Forbidden):
        scheduling.cancel_session(coordinator, session, "no")
    with pytest.raises(Forbidden):
        scheduling.update(coordinator, session, _plan(session), "", session.starts_at - DAY)


def test_attendance_opens_an_hour_before_the_start_and_is_audited(make_session, make_user):
    from elearn.modules.audit.models import AuditEvent

    session = make_session()
    registration = services.register(session, make_user(), session.starts_at - DAY)
    with pytest.raises(DomainError):
        services.mark_attendance(registration, True, 1, session.starts_at - timedelta(hours=2))
    services.mark_attendance(registration, True, registration.user_id,
                             session.starts_at - timedelta(minutes=30))
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "workshop.attended"))
    assert event.subject == f"registration:{registration.id}"


def test_check_in_then_confirm_marks_attended(make_session, make_user):
    session = make_session()
    person, absent = make_user(), make_user()
    services.register(session, person, session.starts_at - DAY)
    services.register(session, absent, session.starts_at - DAY)
    with pytest.raises(DomainError):
        services.check_in(session, person.id, session.starts_at - timedelta(hours=3))
    services.check_in(session, person.id, session.starts_at + timedelta(minutes=5))
    with pytest.raises(Conflict):
        services.check_in(session, make_user().id, session.starts_at)
    assert services.confirm_check_ins(session, person.id, session.starts_at) == 1
    assert services.find_registration(session.id, person.id).state is S.ATTENDED
    assert services.find_registration(session.id, absent.id).state is S.REGISTERED


@pytest.mark.both_databases
def test_attended_workshops_gives_the_latest_danish_date_per_workshop(backend, make_session, make_user):
    person = make_user()
    early = make_session(starts_in=-timedelta(days=30))
    late = make_session(starts_in=-timedelta(days=3))
    other = make_session(starts_in=-timedelta(days=2))
    _place(early, person, S.ATTENDED, early.starts_at - DAY)
    _place(late, person, S.ATTENDED, late.starts_at - DAY)
    _place(other, person, S.NO_SHOW, other.starts_at - DAY)
    from elearn.modules.workshops.times import local_date

    assert services.attended_workshops(person.id) == {"case-workshop": local_date(late.starts_at)}
    assert services.attended_workshops(make_user().id) == {}


def test_the_audience_setting_is_stored(make_session):
    assert make_session(audience="invited").audience is Audience.INVITED


def test_people_on_the_waiting_list_get_no_calendar_file(make_session, make_user, make_unit):
    unit = make_unit()
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=unit)
    session = make_session(unit=unit, capacity=1)
    now = session.starts_at - 2 * DAY
    holder, waiting = make_user(), make_user()
    services.register(session, holder, now)
    services.register(session, waiting, now)
    scheduling.cancel_session(coordinator, session, "Facilitator ill")
    db.session.commit()
    last = {m.user_id: m for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}
    assert last[holder.id].subject.startswith("Session cancelled") and last[holder.id].attachments
    assert last[waiting.id].subject.startswith("Session cancelled")
    assert last[waiting.id].attachments == []


@pytest.mark.both_databases
def test_coordinator_lists_count_places_waiting_list_and_attendance(backend, make_session,
                                                                    make_user, make_unit):
    from elearn.modules.workshops import queries

    unit = make_unit()
    upcoming = make_session(unit=unit, capacity=1)
    past = make_session(unit=unit, starts_in=-timedelta(days=3))
    for person in (make_user(), make_user()):
        services.register(upcoming, person, upcoming.starts_at - DAY)
    _place(past, make_user(), S.ATTENDED, past.starts_at - DAY)
    _place(past, make_user(), S.NO_SHOW, past.starts_at - DAY)
    db.session.commit()
    [row] = queries.sessions_in_scope({unit.id}, upcoming.starts_at - DAY)
    assert (row.counts.registered, row.counts.waitlisted, row.fill_percent) == (1, 1, 100)
    [old] = queries.sessions_in_scope({unit.id}, upcoming.starts_at - DAY, past=True)
    assert (old.counts.attended, old.counts.no_show, old.counts.registered) == (1, 1, 2)
    assert queries.sessions_in_scope({unit.id + 1000}, upcoming.starts_at - DAY) == []


def test_deadlines_left_unchanged_move_with_the_session(make_session, make_user, make_unit):
    unit = make_unit()
    coordinator = make_user(scheduling.Role.COORDINATOR, unit=unit)
    session = make_session(unit=unit)
    session.registration_deadline = session.starts_at - 2 * DAY
    db.session.commit()
    week = 7 * DAY
    old_start, old_registration = session.starts_at, session.registration_deadline
    scheduling.update(coordinator, session, _plan(session, starts_at=old_start + week,
                                                  ends_at=session.ends_at + week), "", old_start - 3 * DAY)
    assert session.registration_deadline == old_registration + week
    assert session.cancellation_deadline == old_start + week
    earlier = session.starts_at - 2 * week
    scheduling.update(coordinator, session, _plan(session, starts_at=earlier,
                                                  ends_at=earlier + DAY / 8), "", earlier - 3 * DAY)
    assert session.registration_deadline == earlier - 2 * DAY


def test_a_place_given_after_the_cancellation_deadline_can_be_given_back(make_session, make_user):
    session = make_session(capacity=1)
    session.cancellation_deadline = session.starts_at - 2 * DAY
    db.session.commit()
    holder = services.register(session, make_user(), session.starts_at - 3 * DAY)
    waiting = services.register(session, make_user(), session.starts_at - 3 * DAY)
    late = session.starts_at - timedelta(minutes=90)
    services.cancel(holder, late, by_coordinator=True)
    assert waiting.state is S.REGISTERED
    services.cancel(waiting, late + timedelta(minutes=10))  # promoted late: may still say no
    assert waiting.state is S.CANCELLED


@pytest.mark.both_databases
def test_feedback_sent_twice_at_once_keeps_one_answer(app, make_session, make_user):
    import threading

    from elearn.modules.workshops import feedback
    from elearn.modules.workshops.models import Feedback

    session = make_session(starts_in=-DAY)
    person = make_user()
    _place(session, person, S.ATTENDED, session.starts_at - DAY)
    session_id, person_id, errors, barrier = session.id, person.id, [], threading.Barrier(3)

    def send(rating):
        with app.app_context():
            try:
                barrier.wait()
                feedback.give_feedback(db.session.get(type(session), session_id), person_id, rating,
                                       "useful", "")
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (collected for the assertion)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(r,)) for r in (3, 4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1


def test_a_date_at_the_edge_of_the_calendar_is_a_form_error_not_a_crash():
    from datetime import date, time

    from elearn.modules.workshops.times import to_utc

    with pytest.raises(DomainError):
        to_utc(date(1, 1, 1), time(0, 0))


def test_the_page_offers_what_the_rules_allow(make_session, make_user):
    session = make_session(capacity=1)
    session.cancellation_deadline = session.starts_at - 2 * DAY
    db.session.commit()
    holder = services.register(session, make_user(), session.starts_at - 3 * DAY)
    waiting = services.register(session, make_user(), session.starts_at - 3 * DAY)
    late = session.starts_at - DAY
    assert services.learner_choices(session, holder, False, late).ask_coordinator
    services.cancel(holder, late, by_coordinator=True)
    offered = services.learner_choices(session, waiting, False, late)
    assert offered.cancel and not offered.ask_coordinator  # promoted late: may give it back
    fresh = services.learner_choices(session, None, False, late)
    assert fresh.register and not fresh.registration_closed
    assert services.learner_choices(session, None, False, session.starts_at).registration_closed


def test_nobody_cancels_once_the_session_has_started(make_session, make_user):
    session = make_session()
    registration = services.register(session, make_user(), session.starts_at - DAY)
    with pytest.raises(Conflict):
        services.cancel(registration, session.starts_at + timedelta(minutes=5), by_coordinator=True)
