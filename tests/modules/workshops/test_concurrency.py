"""Capacity holds when many people register at the same moment, on SQLite and PostgreSQL."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.workshops import services
from elearn.modules.workshops.models import Registration, WorkshopSession


@pytest.fixture
def app_config() -> dict:
    """A connection for every thread, so all twenty really are in flight together."""
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 5}}


def _register_at_once(app, session_id: int, user_ids: list[int]) -> list[Exception]:
    """Each user id registers from its own thread, app context and database session, all released
    together by a barrier; returns the errors raised."""
    barrier = threading.Barrier(len(user_ids))
    errors: list[Exception] = []

    def run(user_id: int) -> None:
        with app.app_context():
            try:
                session = db.session.get(WorkshopSession, session_id)
                user = db.session.get(User, user_id)
                barrier.wait(timeout=30)
                services.register(session, user, session.starts_at - timedelta(days=1))
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (collected and asserted below)
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _states(session_id: int) -> Counter:
    db.session.expire_all()
    return Counter(r.state.value for r in db.session.scalars(
        select(Registration).where(Registration.session_id == session_id)))


@pytest.mark.both_databases
def test_twenty_people_at_once_for_five_places(app, backend, make_session, make_user):
    session = make_session(capacity=5)
    people = [make_user().id for _ in range(20)]
    db.session.commit()
    errors = _register_at_once(app, session.id, people)
    assert errors == []
    assert _states(session.id) == {"registered": 5, "waitlisted": 15}
    waiting = db.session.scalars(select(Registration).where(
        Registration.session_id == session.id, Registration.state == "waitlisted")).all()
    assert sorted(services.waitlist_position(r) for r in waiting) == list(range(1, 16))


@pytest.mark.both_databases
def test_the_same_person_registering_twice_at_once_gets_one_registration(app, backend,
                                                                        make_session, make_user):
    session = make_session(capacity=5)
    person = make_user().id
    db.session.commit()
    errors = _register_at_once(app, session.id, [person] * 6)
    assert errors == []
    assert _states(session.id) == {"registered": 1}
