"""The scrub finds a name in any casing, in text and in JSON (escaped or not), and leaves other words
alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.audit.services import record
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.privacy.scrub import scrub


@pytest.mark.both_databases
def test_a_name_is_replaced_in_any_casing_and_other_words_stay(app):
    record(None, "note", "x", text="SØREN ØDEGAARD ringede; søren ødegaards sag", other="Bo Eklund")
    db.session.add(OutboxMessage(user_id=None, recipient="x@politi.example", subject="Søren Ødegaard",
                                 body="Hej Søren Ødegaard og Søren Ødegaardsen"))
    db.session.commit()
    changed = scrub({"Søren Ødegaard": "Anonymised person #7", "Bo Ek": "Anonymised person #8"})
    db.session.commit()
    event = db.session.scalar(select(AuditEvent))
    assert event.details == {"text": "Anonymised person #7 ringede; Anonymised person #7s sag",
                             "other": "Bo Eklund"}
    message = db.session.scalar(select(OutboxMessage))
    assert message.subject == "Anonymised person #7"
    assert message.body == "Hej Anonymised person #7 og Søren Ødegaardsen"
    assert changed == 3


def test_short_needles_are_left_alone(app):
    record(None, "note", "x", text="Bo var her")
    assert scrub({"Bo": "Anonymised person #1"}) == 0
