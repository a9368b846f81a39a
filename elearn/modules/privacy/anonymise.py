"""Anonymising a leaver: the account keeps its id, unit, roles and everything counted (progress, quiz
attempts and scores, registrations and attendance, feedback ratings, certificates and their
verification state), so reports add up as before; the name, the addresses, the secrets and the texts
the person wrote are gone for good.

Certificate PDFs printed the holder's name: each stored PDF is drawn again with the anonymised name,
while the fingerprint recorded at issue is kept, so a PDF the person was given still verifies as
genuine (the copy kept on the server then no longer has that fingerprint)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from elearn.errors import Conflict, DomainError
from elearn.extensions import db
from elearn.modules.assignments.models import CohortMember
from elearn.modules.audit.models import AuditEvent
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import User, coordinator_unit
from elearn.modules.certification import documents
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.certification.services import path_of
from elearn.modules.outbox.models import MessageStatus, OutboxMessage
from elearn.modules.privacy.scrub import names_in, scrub
from elearn.modules.progress.models import ModuleProgress, SectionRead
from elearn.modules.quizzes.models import AttemptChoice, AttemptQuestion, QuizAttempt
from elearn.modules.workshops.models import Feedback, KnowledgeNeed, Registration

log = logging.getLogger(__name__)
SYNC = {"synchronize_session": False}
#: Not searched for the name: the account itself (cleared above), and the largest tables, whose text
#: columns hold only content slugs, versions and option ids.
UNSCANNED = frozenset(model.__tablename__ for model in (User, QuizAttempt, AttemptQuestion, AttemptChoice,
                                                        ModuleProgress, SectionRead))


def anonymised_name(user_id: int) -> str:
    return f"Anonymised person #{user_id}"


def anonymised_email(user_id: int) -> str:
    """Unique, and undeliverable: .invalid is reserved for names that can never resolve."""
    return f"anonymised-{user_id}@anonymised.invalid"


def has_namesake(user: User) -> bool:
    """Whether another account's name would match a search for user's name (the same name in any
    case, or a longer name containing it): free texts mentioning the name may then be about them."""
    others = db.session.scalars(select(User.name).where(User.id != user.id, User.anonymised_at.is_(None)))
    return names_in(user.name, others)


def _tied_to(user_id: int):
    """For scrub: a table's rows that belong to the person (their user_id, or audit events about them)."""
    def rows(table):
        if table.name == AuditEvent.__tablename__:
            return table.c.subject == f"user:{user_id}"
        return table.c.user_id == user_id if "user_id" in table.c else None
    return rows


def check(actor, user: User, confirmation: str) -> None:
    """Raises DomainError unless actor may anonymise user with this typed confirmation."""
    if actor.id == user.id:
        raise DomainError(_l("You cannot anonymise your own account."))
    if user.anonymised_at is not None:
        raise Conflict(_l("This account is already anonymised."))
    if (confirmation or "").strip().lower() != user.email.lower():
        raise DomainError(_l("Type the person's e-mail address exactly as shown to confirm."),
                          field="confirmation")


def _clear_account(user: User, now: datetime) -> None:
    user.name, user.email = anonymised_name(user.id), anonymised_email(user.id)
    user.work_phone = user.work_email = ""
    user.password_hash = user.totp_secret = user.sso_subject = user.locale = None
    user.totp_last_step = user.totp_enabled_at = None
    user.active, user.anonymised_at = False, now
    accounts.end_all_sessions(user)
    db.session.execute(delete(coordinator_unit).where(coordinator_unit.c.user_id == user.id))


def _remove_texts(user_id: int) -> None:
    """The texts the person wrote; the ratings, registrations and attendance stay (unlinked feedback
    still counts in a session's average, an unlinked knowledge need in the counts per topic)."""
    db.session.execute(update(Feedback).where(Feedback.user_id == user_id)
                       .values(useful="", missing="", user_id=None), execution_options=SYNC)
    db.session.execute(update(KnowledgeNeed).where(KnowledgeNeed.user_id == user_id)
                       .values(why="", user_id=None), execution_options=SYNC)
    db.session.execute(update(Registration).where(Registration.user_id == user_id,
                                                  Registration.cancel_reason != "")
                       .values(cancel_reason=""), execution_options=SYNC)
    db.session.execute(delete(CohortMember).where(CohortMember.user_id == user_id),
                       execution_options=SYNC)


def _remove_mail(user_id: int, email: str) -> None:
    """Messages not sent yet are dropped; sent and failed ones keep their subject and dates only."""
    to_them = (OutboxMessage.user_id == user_id) | (OutboxMessage.recipient == email)
    db.session.execute(delete(OutboxMessage).where(to_them, OutboxMessage.status == MessageStatus.PENDING),
                       execution_options=SYNC)
    db.session.execute(update(OutboxMessage).where(to_them)
                       .values(recipient=anonymised_email(user_id), body="", attachments=[],
                               last_error=None), execution_options=SYNC)


class _Title:
    """A path that left the content: its slug stands in for the title."""

    def __init__(self, slug: str):
        self.slug = slug

    def title(self, locale: str) -> str:
        return self.slug


def _redraw_certificates(user: User) -> int:
    """Draw each stored certificate PDF again with the anonymised name; returns how many."""
    rows = db.session.execute(select(AwardRevision, CertificateAward)
                              .join(CertificateAward, CertificateAward.id == AwardRevision.award_id)
                              .where(CertificateAward.user_id == user.id)).all()
    for revision, award in rows:
        path = path_of(award.path_slug) or _Title(award.path_slug)
        revision.pdf = documents.certificate_pdf(user, path, award.number, revision.issued_at,
                                                 revision.expires_at)
    return len(rows)


def anonymise(actor, user: User, confirmation: str, now: datetime) -> None:
    """Remove user's personal data for good (see the module's docstring) and audit it without the old
    name or address; raises DomainError for oneself, a wrong confirmation or an anonymised account.

    When a colleague has the same name, the name is replaced only in rows tied to the person (not in
    free texts elsewhere, which may be about the colleague); addresses are unique and searched
    everywhere. The application log gets the id alone, so that the anonymisation can be done again
    after a backup taken before it is restored."""
    accounts.lock_user(user.id)
    db.session.refresh(user)
    check(actor, user, confirmation)
    names = {user.name: anonymised_name(user.id)}
    addresses = {user.email: anonymised_email(user.id)}
    addresses.update({value: "" for value in (user.work_email, user.work_phone) if value})
    namesake, email = has_namesake(user), user.email
    # Before the rows are unlinked from the person below.
    texts = scrub(names, skip=UNSCANNED, rows=_tied_to(user.id)) if namesake else 0
    _clear_account(user, now)
    _remove_texts(user.id)
    _remove_mail(user.id, email)
    db.session.flush()
    pdfs = _redraw_certificates(user)
    db.session.flush()
    texts += scrub(addresses if namesake else names | addresses, skip=UNSCANNED)
    db.session.expire_all()  # the statements above bypassed the objects the session holds
    record(actor.id, "user.anonymise", f"user:{user.id}", certificate_pdfs=pdfs, texts_scrubbed=texts,
           namesake=namesake)
    log.info("user anonymised id=%d", user.id)
