"""Anonymising a leaver: personal data gone from every table, aggregates and certificate verification
kept, PDFs drawn again, audited without the old name; admins only, never oneself, typed confirmation."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from elearn.clock import utcnow
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import LoginSession, Role, User
from elearn.modules.certification import services as certificates
from elearn.modules.certification.models import CertificateAward
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.privacy import anonymise as leavers
from elearn.modules.quizzes import analysis
from elearn.modules.quizzes.pages import true_false_labels
from elearn.modules.quizzes.services import quiz_bank
from elearn.modules.reports.overview import overview
from elearn.modules.workshops.feedback import ratings_by_session
from elearn.modules.workshops.models import KnowledgeNeed, Registration
from tests.modules.privacy.conftest import EMAIL, NAME, NEED, WORK_EMAIL, WORK_PHONE, mentions

URL = "/admin/users/{id}/anonymise"


def html(response) -> str:
    return response.get_data(as_text=True)


def award_of(user_id: int) -> CertificateAward:
    return db.session.scalar(select(CertificateAward).where(CertificateAward.user_id == user_id))


def figures(session_id: int) -> tuple:
    """What the reports count: the overview's figures, the item analysis and a session's ratings
    and registrations."""
    now = utcnow()
    total, stats = analysis.item_analysis(quiz_bank().quiz("second-steps"), None, "en", true_false_labels())
    registrations = db.session.scalar(select(func.count()).select_from(Registration)
                                      .where(Registration.session_id == session_id))
    return (overview(None, now), total,
            [(s.question_id, s.drawn, s.answered, s.percent_correct, [o.chosen for o in s.options])
             for s in stats], ratings_by_session([session_id]), registrations)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@politi.example")


@pytest.mark.both_databases
def test_anonymising_leaves_no_trace_of_the_name_or_addresses_and_keeps_every_total(
        client, auth, admin, leaver):
    db.session.execute(select(User).where(User.id == leaver.id)).scalar_one().active = False
    db.session.commit()  # a leaver is usually deactivated first: the reports already leave them out
    before = figures(leaver.session_id)
    assert mentions(NAME, EMAIL, WORK_EMAIL, WORK_PHONE)  # the scan finds what is there
    auth.login(admin)
    response = auth.post(URL.format(id=leaver.id), {"confirmation": EMAIL.upper()})
    assert response.status_code == 302
    assert mentions(NAME, EMAIL, WORK_EMAIL, WORK_PHONE) == []
    assert figures(leaver.session_id) == before
    user = db.session.get(User, leaver.id)
    assert (user.name, user.email) == (f"Anonymised person #{leaver.id}",
                                       f"anonymised-{leaver.id}@anonymised.invalid")
    assert (user.password_hash, user.totp_secret, user.sso_subject, user.locale, user.active,
            user.work_phone, user.work_email) == (None, None, None, None, False, "", "")
    assert user.anonymised_at is not None and user.roles == {Role.LEARNER}
    assert db.session.execute(select(KnowledgeNeed.user_id, KnowledgeNeed.why)).all() == [(None, "")]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.user_id == leaver.id, OutboxMessage.status == "pending")) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.anonymise"))
    assert (event.actor_id, event.subject) == (admin.id, f"user:{leaver.id}")


def test_a_knowledge_need_still_counts_per_topic_without_its_reason(admin, leaver):
    leavers.anonymise(admin, db.session.get(User, leaver.id), EMAIL, utcnow())
    db.session.commit()
    need = db.session.scalar(select(KnowledgeNeed))
    assert (need.topic, need.why, need.user_id, need.unit_id is not None) == (NEED, "", None, True)


@pytest.mark.both_databases
def test_a_namesakes_texts_keep_the_name_and_the_admin_is_told(client, auth, make_user, unit, admin,
                                                                coordinator, leaver):
    namesake = make_user(unit=unit, name=NAME.upper(), email="s.oedegaard2@politi.example")
    db.session.add(OutboxMessage(user_id=namesake.id, recipient=namesake.email, subject="Velkommen",
                                 body=f"Kære {NAME}", status="sent", sent_at=utcnow()))
    record(coordinator.id, "user.note", f"user:{namesake.id}", name=NAME)
    db.session.commit()
    auth.login(admin)
    assert 'id="namesake"' in html(client.get(URL.format(id=leaver.id)))
    assert 'id="namesake"' not in html(client.get(URL.format(id=coordinator.id)))
    assert auth.post(URL.format(id=leaver.id), {"confirmation": EMAIL}).status_code == 302

    assert db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.user_id == namesake.id)) \
        == f"Kære {NAME}"
    notes = dict(db.session.execute(select(AuditEvent.subject, AuditEvent.details)
                                    .where(AuditEvent.action == "user.note")).all())
    assert notes[f"user:{namesake.id}"] == {"name": NAME}
    assert notes[f"user:{leaver.id}"]["name"] == f"Anonymised person #{leaver.id}"  # tied to the leaver
    assert mentions(EMAIL, WORK_EMAIL, WORK_PHONE) == []  # addresses are searched everywhere
    assert db.session.get(User, namesake.id).name == NAME.upper()


def test_a_longer_name_containing_the_name_counts_as_a_namesake(make_user, unit, leaver):
    leaving = db.session.get(User, leaver.id)
    assert not leavers.has_namesake(leaving)
    make_user(unit=unit, name=f"Anne {NAME.lower()}", email="anne@politi.example")
    assert leavers.has_namesake(leaving)


def test_the_application_log_names_the_anonymised_id_alone(admin, leaver, caplog):
    with caplog.at_level("INFO", logger="elearn.modules.privacy.anonymise"):
        leavers.anonymise(admin, db.session.get(User, leaver.id), EMAIL, utcnow())
    assert [r.getMessage() for r in caplog.records if r.name.startswith("elearn.")] \
        == [f"user anonymised id={leaver.id}"]


@pytest.mark.both_databases
def test_the_certificate_still_verifies_without_a_name_and_its_pdf_is_drawn_again(client, auth, admin,
                                                                                  leaver):
    award = award_of(leaver.id)
    issued = certificates.revision_of(award)
    original_pdf, original_fingerprint = issued.pdf, issued.fingerprint
    assert NAME in PdfReader(io.BytesIO(original_pdf)).pages[0].extract_text()
    leavers.anonymise(admin, db.session.get(User, leaver.id), EMAIL, utcnow())
    db.session.commit()

    page = html(client.get(f"/verify/{award.number}"))
    assert "This certificate is valid." in page and "Holder anonymised" in page
    assert NAME not in page and "Anonymised person" not in page
    revision = certificates.revision_of(award)
    text = PdfReader(io.BytesIO(revision.pdf)).pages[0].extract_text()
    assert NAME not in text and f"Anonymised person #{leaver.id}" in text and award.number in text
    assert revision.fingerprint == original_fingerprint  # the PDF the person was given still matches
    page = html(auth.post(f"/verify/{award.number}", {"fingerprint": original_fingerprint}))
    assert "The file matches version 1, as issued." in page


def test_a_revoked_certificate_still_verifies_as_revoked(client, admin, coordinator, leaver):
    award = award_of(leaver.id)
    certificates.revoke(coordinator, award, f"{NAME} har forladt enheden", utcnow())
    leavers.anonymise(admin, db.session.get(User, leaver.id), EMAIL, utcnow())
    db.session.commit()
    page = html(client.get(f"/verify/{award.number}"))
    assert "This certificate has been revoked." in page and NAME not in page
    assert award_of(leaver.id).revoke_reason == f"Anonymised person #{leaver.id} har forladt enheden"


def test_anonymising_ends_every_log_in(client, auth, admin, leaver):
    user = db.session.get(User, leaver.id)
    accounts.start_session(user)
    db.session.commit()
    leavers.anonymise(admin, user, EMAIL, utcnow())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == leaver.id, LoginSession.ended_at.is_(None))) == 0


def test_the_page_explains_and_a_wrong_confirmation_changes_nothing(client, auth, admin, leaver):
    auth.login(admin)
    page = html(client.get(URL.format(id=leaver.id)))
    assert "cannot be undone" in page and EMAIL in page
    response = auth.post(URL.format(id=leaver.id), {"confirmation": "someone@politi.example"})
    assert response.status_code == 400
    assert "e-mail address exactly as shown to confirm" in html(response)
    assert db.session.get(User, leaver.id).name == NAME
    assert auth.post(URL.format(id=leaver.id), {"confirmation": ""}).status_code == 400
    assert db.session.get(User, leaver.id).anonymised_at is None


def test_an_admin_cannot_anonymise_themselves(client, auth, admin):
    auth.login(admin)
    assert "You cannot anonymise your own account" in html(client.get(URL.format(id=admin.id)))
    response = auth.post(URL.format(id=admin.id), {"confirmation": admin.email})
    assert response.status_code == 400
    assert db.session.get(User, admin.id).anonymised_at is None
    with pytest.raises(DomainError):
        leavers.anonymise(admin, admin, admin.email, utcnow())


def test_a_second_anonymisation_is_refused(client, auth, admin, leaver):
    leavers.anonymise(admin, db.session.get(User, leaver.id), EMAIL, utcnow())
    db.session.commit()
    auth.login(admin)
    assert "was anonymised on" in html(client.get(URL.format(id=leaver.id)))
    response = auth.post(URL.format(id=leaver.id),
                         {"confirmation": f"anonymised-{leaver.id}@anonymised.invalid"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.LEARNER, Role.COORDINATOR])
def test_only_admins_may_anonymise(client, auth, make_user, unit, leaver, role):
    auth.login(make_user(role, unit=unit))
    assert client.get(URL.format(id=leaver.id)).status_code == 403
    assert auth.post(URL.format(id=leaver.id), {"confirmation": EMAIL}).status_code == 403
    assert db.session.get(User, leaver.id).anonymised_at is None


def test_the_admin_user_page_links_to_anonymising(client, auth, admin, leaver):
    auth.login(admin)
    assert URL.format(id=leaver.id) in html(client.get(f"/admin/users/{leaver.id}"))
    assert URL.format(id=admin.id) not in html(client.get(f"/admin/users/{admin.id}"))


def test_an_unknown_person_is_404(client, auth, admin):
    auth.login(admin)
    assert client.get(URL.format(id=999999)).status_code == 404


def test_an_anonymised_account_cannot_be_changed_or_activated(client, auth, admin, unit, leaver):
    from elearn.errors import Conflict
    from elearn.modules.admin import roster
    from elearn.modules.admin import services as admin_services

    user = db.session.get(User, leaver.id)
    leavers.anonymise(admin, user, EMAIL, utcnow())
    db.session.commit()
    changes = admin_services.UserChanges(name=NAME, email=EMAIL, unit_id=unit.id,
                                         roles=frozenset({Role.LEARNER}), locale=None, scope_unit_ids=(),
                                         active=True)
    for change in (lambda: admin_services.save_user(admin, user, changes),
                   lambda: admin_services.set_user_active(admin, user, True),
                   lambda: admin_services.reset_two_factor(admin, user)):
        with pytest.raises(Conflict, match="anonymised and cannot be changed"):
            change()
    auth.login(admin)
    page = html(client.get(f"/admin/users/{leaver.id}"))
    assert 'id="anonymised"' in page and 'name="email"' not in page and "Activate" not in page
    assert auth.post(f"/admin/users/{leaver.id}/active", {"active": "1"}).status_code == 302
    assert auth.post(f"/admin/users/{leaver.id}", {"name": NAME, "email": EMAIL, "unit_id": unit.id,
                                                    "roles": "learner", "active": "y"}).status_code == 400
    line = f"name,email,unit,roles\n{NAME},{user.email},{unit.code},learner\n"
    assert [problem.line for problem in roster.plan(line).problems] == [2]
    db.session.expire_all()
    user = db.session.get(User, leaver.id)
    assert (user.name, user.active) == (f"Anonymised person #{leaver.id}", False)


def test_the_two_factor_reset_command_refuses_an_anonymised_account(app, runner, admin, leaver):
    leavers.anonymise(admin, db.session.get(User, leaver.id), EMAIL, utcnow())
    db.session.commit()
    result = runner.invoke(args=["users", "reset-2fa", f"anonymised-{leaver.id}@anonymised.invalid"])
    assert result.exit_code == 1 and "anonymised account" in result.output
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.user_id == leaver.id, OutboxMessage.status == "pending")) == 0
