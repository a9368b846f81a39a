"""queue_many: the ids come back in the order the messages were given, on both databases, also for
identical messages (they were once matched back by content)."""

from datetime import date

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.outbox.services import queue_many

TEMPLATE = "assignments/email/assigned.txt"


@pytest.mark.both_databases
def test_ids_come_back_in_the_order_given(app, make_user):
    anna, bo = make_user(name="Anna"), make_user(name="Bo")
    context = {"title": "First steps", "due_on": date(2030, 1, 2), "url": "https://x.example/", "days": 1,
               "overdue": False}
    given = [anna, anna, bo, anna, bo]
    with app.test_request_context():
        ids = queue_many([(user, TEMPLATE, {**context, "title": f"T{n // 2}"})
                          for n, user in enumerate(given)])
    assert ids == sorted(ids) and len(set(ids)) == len(given)
    rows = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
    assert [(rows[i].user_id, rows[i].subject) for i in ids] == [
        (user.id, f"You have been assigned T{n // 2}, due January 2, 2030") for n, user in enumerate(given)]
