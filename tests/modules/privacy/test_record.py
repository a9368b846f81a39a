"""The person's own training record: the page and the JSON download hold everything listed and
nothing secret, always of the person asking; the download is audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Cohort
from elearn.modules.audit.models import AuditEvent
from elearn.modules.audit.services import record
from elearn.modules.auth.models import User
from elearn.modules.privacy.record import own_record
from elearn.modules.quizzes.models import AttemptMode
from elearn.statements import counting
from tests.modules.privacy.conftest import EMAIL, FEEDBACK, NAME, NEED, WORK_EMAIL, WORK_PHONE

SECTIONS = {"account", "modules", "attempts", "workshops", "needs", "certificates", "assignments",
            "events", "actions_on_others", "messages", "log_ins"}


def download(client, auth, user_id: int, logged_in: bool = False) -> dict:
    if not logged_in:
        auth.login(db.session.get(User, user_id).email)
    response = client.get("/account/record.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="training-record-')
    assert response.headers["Cache-Control"] == "private, no-store"
    return json.loads(response.get_data(as_text=True))


@pytest.mark.both_databases
def test_the_json_holds_the_whole_record_and_no_secret(client, auth, leaver, coordinator):
    auth.login(EMAIL)
    user = db.session.get(User, leaver.id)
    user.totp_secret, user.sso_subject = "ENCRYPTED-TOTP-SECRET", "idp-subject-123"
    db.session.commit()  # set after logging in: a second factor is not this test's business
    hash_ = user.password_hash
    document = download(client, auth, leaver.id, logged_in=True)
    assert set(document) >= SECTIONS and document["format"] == 1
    account = document["account"]
    assert (account["name"], account["email"], account["work_phone"], account["work_email"]) == (
        NAME, EMAIL, WORK_PHONE, WORK_EMAIL)
    assert account["unit"] == "Efterforskning Vejle" and account["roles"] == ["learner"]
    assert account["single_sign_on"] is True and account["cohorts"] == ["Efterår 2027"]
    attempt = next(a for a in document["attempts"] if a["id"] == leaver.attempt_id)
    assert attempt["passed"] is True and attempt["score"] == 1.0 and attempt["answers"]
    assert all(answer["stored"] is not None for answer in attempt["answers"])  # their chosen options
    assert any(answer["given"] for answer in attempt["answers"])
    workshop = document["workshops"][0]
    assert (workshop["state"], workshop["rating"], workshop["useful"]) == ("attended", 4, FEEDBACK)
    assert document["needs"][0]["topic"] == NEED
    assert document["certificates"][0]["number"].startswith("EL-")
    assert document["certificates"][0]["state"] == "valid"
    assert {"Velkommen"} <= {m["subject"] for m in document["messages"]}
    assert document["log_ins"]
    actions = {e["action"] for e in document["events"]}
    assert {"certificate.issued", "workshop.attended", "user.note"} <= actions
    text = json.dumps(document, ensure_ascii=False)
    for secret in (hash_, "ENCRYPTED-TOTP-SECRET", "idp-subject-123", "password_hash", "totp_secret", "seed"):
        assert secret not in text
    assert coordinator.email not in text and "Lene Dahl" not in text  # nobody else's data


def test_the_record_is_always_ones_own(client, auth, leaver, make_user, unit, coordinator):
    other = make_user(unit=unit, name="Anna Berg")
    document = download(client, auth, other.id)
    assert document["account"]["name"] == "Anna Berg"
    text = json.dumps(document, ensure_ascii=False)
    assert NAME not in text and EMAIL not in text and FEEDBACK not in text and NEED not in text
    assert document["attempts"] == [] and document["certificates"] == []
    assert client.get(f"/account/record.json?user_id={leaver.id}").get_data(as_text=True).count(NAME) == 0


def test_the_download_is_audited_and_the_page_shows_the_record(client, auth, leaver):
    download(client, auth, leaver.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record.downloaded"))
    assert (event.actor_id, event.subject) == (leaver.id, f"user:{leaver.id}")
    page = client.get("/account/record").get_data(as_text=True)
    for text in (NAME, EMAIL, FEEDBACK, NEED, "Efterår 2027", "Key officer", "Your answer:"):
        assert text in page
    assert client.head("/account/record.json").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "record.downloaded")) == 1  # HEAD: not audited


def test_the_account_page_links_to_the_record(client, auth, leaver):
    auth.login(EMAIL)
    assert "/account/record" in client.get("/account").get_data(as_text=True)


def test_logged_out_people_are_sent_to_log_in(client):
    for url in ("/account/record", "/account/record.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.both_databases
def test_a_coordinators_record_shows_what_they_did_but_not_to_whom(client, auth, leaver, coordinator):
    document = download(client, auth, coordinator.id)
    assert {"workshop.attended", "user.note"} <= {a["action"] for a in document["actions_on_others"]}
    month = f"{utcnow():%Y-%m}"
    assert {"month": month, "action": "user.note", "count": 1} in document["actions_on_others"]
    text = json.dumps(document, ensure_ascii=False)
    assert NAME not in text and EMAIL not in text
    assert f"user:{leaver.id}" not in text and f"registration:{leaver.registration_id}" not in text
    assert all(e["subject"] in (f"user:{coordinator.id}", f"report:record-{coordinator.id}")
               or e["subject"].startswith("cohort:") for e in document["events"])
    assert all(e["details"].get("user_id") in (None, coordinator.id) for e in document["events"])


@pytest.mark.both_databases
def test_the_record_reads_a_fixed_number_of_statements_and_counts_what_was_done_to_others(
        app, leaver, coordinator, make_user, unit):
    cohort = Cohort(name="Forår 2028", unit_id=unit.id)
    db.session.add(cohort)
    db.session.flush()
    record(coordinator.id, "cohort.add_members", f"cohort:{cohort.id}", user_ids=[leaver.id, coordinator.id])
    db.session.commit()

    def reading():
        with counting(db.engine) as log:
            data = own_record(coordinator.id, utcnow(), "en")
        return len(log.statements), data

    statements, before = reading()
    for i in range(40):
        record(coordinator.id, "user.note", f"user:{leaver.id}", n=i)
        record(leaver.id, "cohort.remove_member", f"cohort:{cohort.id}", user_id=leaver.id + 1000 + i)
    db.session.commit()
    after_statements, after = reading()
    assert after_statements == statements
    assert len(after.events) == len(before.events) and any(e.subject == f"cohort:{cohort.id}"
                                                           for e in after.events)  # names them
    notes = {(a.month, a.action): a.count for a in after.actions_on_others}
    assert notes[(f"{utcnow():%Y-%m}", "user.note")] == 41
    assert (f"{utcnow():%Y-%m}", "cohort.add_members") not in notes  # an event about them, not counted


def test_unsubmitted_and_void_attempts_show_their_answers_ungraded(client, auth, leaver):
    from werkzeug.datastructures import MultiDict

    from elearn.modules.courses.services import catalogue
    from elearn.modules.quizzes import answers, submission
    from elearn.modules.quizzes import services as quizzes
    from elearn.modules.quizzes.models import AttemptState, QuizAttempt
    from tests.modules.quizzes.conftest import right_answer_form

    quiz, module = quizzes.quiz_bank().quiz("second-steps"), catalogue().module("second-steps")
    ids = []
    for _ in range(2):
        attempt = quizzes.start_attempt(leaver.id, quiz, module, AttemptMode.REFRESHER, utcnow())
        rows = quizzes.questions_of(attempt)
        form = MultiDict(right_answer_form(attempt, rows, quiz, ()))
        submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index), utcnow())
        ids.append(attempt.id)
        attempt.state = AttemptState.VOID  # the second one is left in progress below
        db.session.commit()
    db.session.get(QuizAttempt, ids[1]).state = AttemptState.IN_PROGRESS
    db.session.commit()
    document = download(client, auth, leaver.id)
    attempts = {a["id"]: a for a in document["attempts"]}
    assert attempts[ids[0]]["state"] == "void" and attempts[ids[1]]["state"] == "in-progress"
    for attempt_id in ids:
        states = {answer["state"] for answer in attempts[attempt_id]["answers"]}
        assert states == {"not-graded"}
        assert all(answer["score"] is None for answer in attempts[attempt_id]["answers"])
    assert attempts[leaver.attempt_id]["answers"][0]["state"] == "correct"
    response = client.get("/account/record")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Not graded: the attempt was not submitted." in response.get_data(as_text=True)
