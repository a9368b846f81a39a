"""The person's own training record: the page and the JSON download hold everything listed and
nothing secret, always of the person asking; the download is audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import User
from tests.modules.privacy.conftest import EMAIL, FEEDBACK, NAME, NEED, WORK_EMAIL, WORK_PHONE

SECTIONS = {"account", "modules", "attempts", "workshops", "needs", "certificates", "assignments",
            "events", "messages", "log_ins"}


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


def test_a_coordinators_record_shows_what_they_did_but_not_to_whom(client, auth, leaver, coordinator):
    document = download(client, auth, coordinator.id)
    mine = [e for e in document["events"] if e["by_me"]]
    assert {"workshop.attended", "user.note"} <= {e["action"] for e in mine}
    text = json.dumps(document, ensure_ascii=False)
    assert NAME not in text and EMAIL not in text
    assert all(e["details"].get("user_id") in (None, coordinator.id) for e in document["events"])
