"""Certification pages: the path's requirement lines, the certificate and its PDF, verification
(valid, expired, revoked, unknown, malformed, rate-limited), the directory, revoking and contacts."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from elearn.clock import utcnow
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.auth.services import set_contact
from elearn.modules.certification import services, views
from elearn.modules.certification.eligibility import LOCAL, expiry_after
from elearn.modules.certification.models import CertificateAward
from tests.modules.certification.conftest import certify, read_module, register_for_workshop, take_quiz


def html(response) -> str:
    return response.get_data(as_text=True)


def award_of(user) -> CertificateAward:
    return db.session.scalar(select(CertificateAward).where(CertificateAward.user_id == user.id))


@pytest.fixture
def officer(make_user, unit, coordinator):
    user = make_user(unit=unit, name="Sofie Lund")
    certify(user, unit, coordinator)
    return user


def test_the_path_page_shows_each_requirement_in_words(client, auth, make_user, unit):
    learner = make_user(unit=unit)
    read_module(learner.id, "first-steps")
    read_module(learner.id, "second-steps")
    take_quiz(learner.id)
    register_for_workshop(learner, unit)
    auth.login(learner)
    page = html(client.get("/paths/key-officer"))
    assert "Second steps: quiz passed 100% ≥ 80%" in page
    assert "First steps: completed" in page
    assert re.search(r"Case workshop: not attended yet \(registered for [^)]+ \d{4}\)", page)
    assert "(on its way)" in page and "(met)" in page
    assert "Not certified yet" in page


def test_the_dashboard_and_path_page_show_the_certificate_at_once(client, auth, officer):
    auth.login(officer)
    number = award_of(officer).number
    assert number in html(client.get("/paths/key-officer"))
    page = html(client.get("/"))
    assert "Your certification" in page and number in page and "Valid" in page


def test_the_holder_sees_the_certificate_and_downloads_exactly_the_issued_pdf(client, auth,
                                                                                officer):
    auth.login(officer)
    award = award_of(officer)
    page = html(client.get(f"/certificates/{award.number}"))
    assert "Sofie Lund" in page and "Key officer" in page and award.number in page
    revision = services.revision_of(award)
    assert revision.fingerprint in page
    response = client.get(f"/certificates/{award.number}/certificate.pdf")
    assert response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == revision.fingerprint
    assert client.get(f"/certificates/{award.number}/certificate.pdf?revision=7").status_code == 404


def test_someone_else_cannot_open_the_certificate(client, auth, make_user, make_unit, officer):
    number = award_of(officer).number
    auth.login(make_user(unit=make_unit()))
    assert client.get(f"/certificates/{number}").status_code == 404
    assert client.get(f"/certificates/{number}/certificate.pdf").status_code == 404


def test_the_coordinator_of_the_unit_can_open_the_certificate(client, auth, officer, coordinator):
    auth.login(coordinator)
    assert client.get(f"/certificates/{award_of(officer).number}").status_code == 200


def test_verification_of_a_valid_certificate_needs_no_login(client, officer):
    award = award_of(officer)
    page = html(client.get(f"/verify/{award.number}"))
    assert "This certificate is valid." in page and "Sofie Lund" in page and "Key officer" in page
    assert services.revision_of(award).fingerprint in page
    assert "Efterforskning Vejle" not in page  # no more than the issue says


def test_verification_compares_an_uploaded_pdf_and_a_fingerprint(client, auth, officer):
    award = award_of(officer)
    pdf = services.revision_of(award).pdf
    url = f"/verify/{award.number}"
    page = html(auth.post(url, {"pdf": (io.BytesIO(pdf), "certificate.pdf")},
                          content_type="multipart/form-data"))
    assert "The file matches version 1, as issued." in page
    edited = pdf.replace(b"/Creator", b"/Kreator")
    page = html(auth.post(url, {"pdf": (io.BytesIO(edited), "certificate.pdf")},
                          content_type="multipart/form-data"))
    assert "does not match any PDF issued" in page
    page = html(auth.post(url, {"fingerprint": hashlib.sha256(pdf).hexdigest().upper()}))
    assert "The file matches version 1" in page
    assert auth.post(url, {"fingerprint": "not a fingerprint"}).status_code == 400


@pytest.mark.parametrize(("local_time", "said"), [
    ("2028-11-27 23:59", "This certificate is valid."),
    ("2028-11-28 00:00", "This certificate has expired."),
])
def test_verification_on_the_printed_day_says_valid_until_copenhagen_midnight(
        client, officer, monkeypatch, local_time, said):
    award = award_of(officer)
    award.expires_at = expiry_after(date(2028, 11, 27))
    db.session.commit()
    moment = datetime.fromisoformat(local_time).replace(tzinfo=LOCAL).astimezone(UTC)
    monkeypatch.setattr(views, "utcnow", lambda: moment.replace(tzinfo=None))
    page = html(client.get(f"/verify/{award.number}"))
    assert said in page and "November 27, 2028" in page


def test_a_deactivated_holder_verifies_by_the_certificate_but_leaves_the_directory(
        client, auth, make_user, unit, officer):
    officer.active = False
    db.session.commit()
    assert "This certificate is valid." in html(client.get(f"/verify/{award_of(officer).number}"))
    auth.login(make_user(unit=unit))
    assert "Sofie Lund" not in html(client.get("/key-officers"))


def test_verification_says_expired(client, officer):
    award = award_of(officer)
    award.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert "This certificate has expired." in html(client.get(f"/verify/{award.number}"))


def test_revoking_removes_the_officer_from_the_directory_and_verification_says_revoked(
        client, auth, officer, coordinator):
    award = award_of(officer)
    auth.login(coordinator)
    assert "Sofie Lund" in html(client.get("/key-officers"))
    response = auth.post(f"/certification/awards/{award.id}/revoke", {"reason": ""})
    assert response.status_code == 400
    response = auth.post(f"/certification/awards/{award.id}/revoke",
                         {"reason": "Moved to another district"})
    assert response.status_code == 302
    assert "Sofie Lund" not in html(client.get("/key-officers"))
    assert "This certificate has been revoked." in html(client.get(f"/verify/{award.number}"))
    page = html(client.get("/certification/manage"))
    assert "Moved to another district" in page


@pytest.mark.parametrize("number", ["EL-0000-0000-0000-000U", "nonsense", "EL-" + "A" * 200,
                                    "%00", "EL-ZZZZ-ZZZZ-ZZZZ-ZZZZ"])
def test_an_unknown_or_malformed_number_gets_a_clear_404(client, number):
    response = client.get(f"/verify/{number}")
    assert response.status_code == 404
    assert "There is no certificate with this number." in html(response)


def test_an_unknown_number_is_explained_in_danish(client):
    response = client.get("/verify/EL-ZZZZ-ZZZZ-ZZZZ-ZZZZ", headers={"Accept-Language": "da"})
    assert response.status_code == 404 and "Der findes intet certifikat" in html(response)


def test_a_number_typed_loosely_leads_to_the_canonical_page(client, officer):
    number = award_of(officer).number
    response = client.get(f"/verify/{number.lower()}")
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{number}"


@pytest.fixture
def app_config(request):
    return {"VERIFY_LIMIT": "3 per minute"} if "rate" in request.node.name else {}


def test_verification_is_rate_limited(client):
    codes = [client.get("/verify/EL-ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_the_directory_lists_only_valid_key_officers_and_searches(client, auth, make_user,
                                                                  make_unit, unit, coordinator):
    valid, expired = make_user(unit=unit, name="Sofie Lund"), make_user(unit=unit, name="Ole Bak")
    other = make_user(unit=make_unit("Patrulje Horsens"), name="Ahmed Karimi")
    for person in (valid, expired, other):
        certify(person, person.unit, coordinator)
    award_of(expired).expires_at = utcnow() - timedelta(minutes=1)
    valid.work_phone = "+45 76 28 14 48"
    db.session.commit()
    auth.login(make_user(unit=unit))
    page = html(client.get("/key-officers"))
    assert "Sofie Lund" in page and "Ahmed Karimi" in page and "Ole Bak" not in page
    assert 'href="tel:+4576281448"' in page
    assert page.index("Efterforskning Vejle") < page.index("Sofie Lund")
    page = html(client.get("/key-officers?q=horsens"))
    assert "Ahmed Karimi" in page and "Sofie Lund" not in page
    page = html(client.get("/key-officers?q=sofie"))
    assert "Sofie Lund" in page and "Ahmed Karimi" not in page
    assert "No key officer matches" in html(client.get("/key-officers?q=%25_%5C"))
    page = html(client.get("/key-officers?q=e_l"))  # "_" is itself here, not any character
    assert "No key officer matches" in page and "Sofie Lund" not in page


def test_the_coordinator_sees_who_drops_out_within_90_days(client, auth, make_user, unit,
                                                          coordinator):
    soon, later = make_user(unit=unit, name="Sofie Lund"), make_user(unit=unit, name="Ole Bak")
    for person in (soon, later):
        certify(person, unit, coordinator)
    award_of(soon).expires_at = utcnow() + timedelta(days=40)
    db.session.commit()
    auth.login(coordinator)
    assert "Who in your units drops out within 90 days" in html(client.get("/key-officers"))
    page = html(client.get("/certification/manage"))
    expiring = page[page.index('id="expiring"'):page.index('id="expired"')]
    assert "Sofie Lund" in expiring and "Ole Bak" not in expiring


def test_a_coordinator_cannot_revoke_outside_their_units(client, auth, make_user, make_unit,
                                                        officer):
    award = award_of(officer)
    auth.login(make_user(Role.COORDINATOR, unit=make_unit("Elsewhere")))
    assert client.get(f"/certification/awards/{award.id}/revoke").status_code == 403
    response = auth.post(f"/certification/awards/{award.id}/revoke", {"reason": "No"})
    assert response.status_code == 403
    assert award_of(officer).revoked_at is None
    assert "Sofie Lund" not in html(client.get("/certification/manage"))


def test_a_learner_cannot_revoke(client, auth, officer):
    award = award_of(officer)
    auth.login(officer)
    assert auth.post(f"/certification/awards/{award.id}/revoke", {"reason": "x"}).status_code == 403
    assert award_of(officer).revoked_at is None


def test_people_give_their_work_phone_and_e_mail_on_their_account_page(client, auth, officer):
    auth.login(officer)
    response = auth.post("/account", {"locale": "", "work_phone": "76 28 14 48",
                                      "work_email": "Key.Officers@Politi.example"})
    assert response.status_code == 302
    db.session.refresh(officer)
    assert (officer.work_phone, officer.work_email) == ("76 28 14 48", "key.officers@politi.example")
    page = html(client.get("/key-officers"))
    assert "key.officers@politi.example" in page
    response = auth.post("/account", {"locale": "", "work_phone": "call me", "work_email": ""})
    assert response.status_code == 400 and "Write the number with digits" in html(response)


def test_unknown_path_page_is_404(client, auth, officer):
    auth.login(officer)
    assert client.get("/paths/no-such-path").status_code == 404


@pytest.mark.parametrize(("given", "saved"), [
    ("76 28 14 48", "76 28 14 48"), ("+45 76 28 14 48", "+45 76 28 14 48"),
    ("+4576281448", "+4576281448"), ("  76  28 14 48 ", "76 28 14 48"),
    ("1234567", None),  # too few digits to dial
    ("+45 (76) 28-14-48", None), ("76 28 14 48 +", None), ("----------", None),
    ("(((((((((", None), ("1234567890123456", None),
])
def test_a_work_phone_is_digits_spaces_and_a_leading_plus(app, make_user, given, saved):
    user = make_user()
    if saved is None:
        with pytest.raises(DomainError):
            set_contact(user, given, "")
    else:
        assert set_contact(user, given, "").work_phone == saved
