"""Progress rules on both databases, including two requests marking the same section at once."""

import threading

import pytest

from elearn.extensions import db
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services
from elearn.modules.progress.models import ModuleProgress, SectionRead
from elearn.modules.progress.services import Status


@pytest.mark.both_databases
def test_states_move_from_not_started_to_completed(app, make_user):
    user = make_user()
    module = catalogue().module("first-steps")
    assert services.state(user.id, module).status == Status.NOT_STARTED
    services.start(user.id, module)
    assert services.state(user.id, module).status == Status.IN_PROGRESS
    assert not services.mark_read(user.id, module, "what").completed_now
    reading = services.mark_read(user.id, module, "why")
    db.session.commit()
    state = reading.state
    assert state.status == Status.COMPLETED and state.percent == 100
    assert reading.completed_now
    assert not services.mark_read(user.id, module, "why").completed_now


def test_states_for_many_modules_take_two_queries(app, make_user):
    from sqlalchemy import event

    user_id = make_user().id
    modules = list(catalogue().modules.values())
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        services.states(user_id, modules)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 2


@pytest.mark.both_databases
def test_concurrent_reads_of_the_same_section_record_one_row(app, make_user):
    user = make_user()
    user_id = user.id
    module = catalogue().module("first-steps")
    errors = []
    barrier = threading.Barrier(4)

    def read():
        with app.app_context():
            try:
                barrier.wait()
                services.mark_read(user_id, module, "what")
                db.session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(db.select(db.func.count()).select_from(SectionRead)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ModuleProgress)) == 1
