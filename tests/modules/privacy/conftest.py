"""A leaver with something in every table that can hold personal data: a certificate (with its PDF
and e-mail), a quiz attempt with answers, workshop attendance with written feedback, a knowledge need,
a cohort, work contact details, sent and pending e-mails, and audit events naming them."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import LargeBinary, select

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.audit.services import record
from elearn.modules.auth.services import set_contact
from elearn.modules.outbox.models import MessageStatus, OutboxMessage
from elearn.modules.workshops.feedback import give_feedback, send_need
from tests.modules.certification.conftest import attend, read_module, take_quiz

NAME = "Søren Ødegaard-Kjær"
EMAIL = "soeren.oedegaard@politi.example"
WORK_EMAIL = "s.oedegaard.vagt@politi.example"
WORK_PHONE = "+45 76 28 14 48"
FEEDBACK = "Gode cases om digital forfølgelse"
NEED = "Hvordan man sikrer beviser fra sociale medier"


@dataclass
class Leaver:
    id: int
    registration_id: int
    session_id: int
    attempt_id: int


@pytest.fixture
def unit(make_unit):
    return make_unit("Efterforskning Vejle")


@pytest.fixture
def coordinator(make_user, unit):
    from elearn.modules.auth.models import Role

    return make_user(Role.LEARNER, Role.COORDINATOR, unit=unit, name="Lene Dahl",
                     email="lene.dahl@politi.example")


def make_leaver(make_user, unit, coordinator) -> Leaver:
    user = make_user(unit=unit, name=NAME, email=EMAIL)
    set_contact(user, WORK_PHONE, WORK_EMAIL)
    registration = attend(user, unit, coordinator)
    read_module(user.id, "first-steps")
    read_module(user.id, "second-steps")
    attempt = take_quiz(user.id, wrong=())
    give_feedback(registration.session, user.id, 4, FEEDBACK, f"Mere om sager som {NAME}s")
    send_need(user, NEED, "Vi mangler en tjekliste", "", utcnow())
    cohort = Cohort(name="Efterår 2027", unit_id=unit.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    db.session.add_all([
        OutboxMessage(user_id=user.id, recipient=EMAIL, subject="Velkommen", body=f"Kære {NAME}",
                      status=MessageStatus.SENT, sent_at=utcnow()),
        OutboxMessage(user_id=coordinator.id, recipient=coordinator.email, subject="Ny tilmelding",
                      body=f"{NAME} ({EMAIL}) har tilmeldt sig.", status=MessageStatus.SENT),
    ])
    record(coordinator.id, "user.note", f"user:{user.id}", name=NAME, email=EMAIL, phone=WORK_PHONE)
    db.session.commit()
    return Leaver(user.id, registration.id, registration.session_id, attempt.id)


@pytest.fixture
def leaver(make_user, unit, coordinator) -> Leaver:
    return make_leaver(make_user, unit, coordinator)


def _texts(value) -> str:
    if isinstance(value, bytes):
        return _pdf_text(value) if value.startswith(b"%PDF") else value.decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    return " ".join([page.extract_text() for page in reader.pages] + [str(reader.metadata)])


def mentions(*needles: str) -> list[tuple[str, str, str]]:
    """Every (table, column, excerpt) in the whole database whose value contains a needle (any case),
    looking into JSON and into the text of PDFs."""
    found = []
    lowered = [needle.lower() for needle in needles]
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is None or (isinstance(value, bytes) and not isinstance(
                        table.c[column].type, LargeBinary)):
                    continue
                text = _texts(value).lower()
                found += [(table.name, column, text[:80]) for needle in lowered if needle in text]
    return found
