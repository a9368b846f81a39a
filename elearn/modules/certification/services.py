"""Award rules: gather a learner's evidence, issue or renew when the rules say so (exactly once),
revoke, and find awards by number.

The expiry reminders are in reminders.py; the PDF in certificate.py; the texts on it in documents.py.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from elearn.errors import Conflict, DomainError, Forbidden, NotFound
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth.models import User
from elearn.modules.auth.services import lock_user, scope_unit_ids
from elearn.modules.certification import documents
from elearn.modules.certification.certificate import fingerprint
from elearn.modules.certification.eligibility import (
    Assessment,
    AwardEvidence,
    Evidence,
    ModuleEvidence,
    Verdict,
    assess,
)
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.courses.catalogue import LearningPath
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.quizzes.models import AttemptMode, AttemptState, QuizAttempt
from elearn.modules.workshops.models import Registration, RegistrationState, SessionState, WorkshopSession

#: Crockford's base 32: no I, L, O or U, so a number read aloud or typed is hard to get wrong.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_GROUPS = 4  # 4 groups of 4 characters: 16 × 5 = 80 random bits
REVOKE_REASON_MAX = 500


def certifying_paths() -> list[LearningPath]:
    """The learning paths that lead to a certificate, in the content's order."""
    return [path for path in catalogue().paths if path.certification is not None]


def path_of(slug: str) -> LearningPath | None:
    path = catalogue().path(slug)
    return path if path is not None and path.certification is not None else None


def new_number() -> str:
    """A fresh certificate number like EL-7KQ2-M9XD-4RTA-PZ3H (80 bits from secrets)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(4 * NUMBER_GROUPS))
    return "EL-" + "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))


def normalize_number(text: str) -> str | None:
    """The number as stored, from what someone typed (any case, spaces, O for 0, I/L for 1); None
    when it cannot be a certificate number."""
    raw = "".join(str(text).split()).upper().replace("-", "")
    raw = raw.removeprefix("EL")
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(raw) != 4 * NUMBER_GROUPS or any(c not in ALPHABET for c in raw):
        return None
    return "EL-" + "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


# -- evidence ---------------------------------------------------------------------------------------

def _best_scores(user_id: int, modules) -> dict[str, tuple[float, int]]:
    """module slug -> (best passing graded score, the pass mark of that same attempt) at the
    module's current major version; one query over the passed attempts."""
    quizzes = {m.quiz: m for m in modules if m.quiz}
    if not quizzes:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.quiz_slug, QuizAttempt.module_major, QuizAttempt.score,
               QuizAttempt.pass_mark)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug.in_(list(quizzes)),
               QuizAttempt.mode == AttemptMode.GRADED, QuizAttempt.state == AttemptState.SUBMITTED,
               QuizAttempt.passed.is_(True))
        .order_by(QuizAttempt.score, QuizAttempt.id))
    best = {}
    for quiz, major, score, mark in rows:  # ascending: the last one seen is the best
        if major == quizzes[quiz].version.major:
            best[quizzes[quiz].slug] = (score, mark)
    return best


def _workshops(user_id: int, slugs: tuple[str, ...], now: datetime):
    """(workshop -> latest attended start, workshop -> next registered start)."""
    if not slugs:
        return {}, {}
    base = select(WorkshopSession.workshop_slug).join(
        Registration, Registration.session_id == WorkshopSession.id).where(
        Registration.user_id == user_id, WorkshopSession.workshop_slug.in_(slugs))
    attended = db.session.execute(
        base.add_columns(func.max(WorkshopSession.starts_at))
        .where(Registration.state == RegistrationState.ATTENDED)
        .group_by(WorkshopSession.workshop_slug))
    upcoming = db.session.execute(
        base.add_columns(func.min(WorkshopSession.starts_at))
        .where(Registration.state == RegistrationState.REGISTERED,
               WorkshopSession.state == SessionState.SCHEDULED, WorkshopSession.ends_at > now)
        .group_by(WorkshopSession.workshop_slug))
    return ({slug: at for slug, at in attended}, {slug: at for slug, at in upcoming})


def _refreshers(user_id: int, quiz_slugs: tuple[str, ...]) -> dict[str, datetime]:
    """quiz -> when the learner last passed a refresher of it."""
    if not quiz_slugs:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.quiz_slug, func.max(QuizAttempt.submitted_at))
        .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_slug.in_(quiz_slugs),
               QuizAttempt.mode == AttemptMode.REFRESHER,
               QuizAttempt.state == AttemptState.SUBMITTED, QuizAttempt.passed.is_(True))
        .group_by(QuizAttempt.quiz_slug))
    return {slug: at for slug, at in rows}


def started_modules(user_id: int) -> set[str]:
    """The modules the learner has opened (any version)."""
    return set(db.session.scalars(select(ModuleProgress.module_slug).distinct()
                                  .where(ModuleProgress.user_id == user_id)))


def find_award(user_id: int, path_slug: str) -> CertificateAward | None:
    return db.session.scalar(select(CertificateAward).where(
        CertificateAward.user_id == user_id, CertificateAward.path_slug == path_slug))


def evidence(user_id: int, path: LearningPath, now: datetime,
             award: CertificateAward | None = None) -> Evidence:
    """What the rules of path look at for this learner: seven set-based queries, whatever the
    number of modules, workshops or refreshers."""
    rules = path.certification
    modules = [catalogue().modules[slug] for slug in path.modules]
    states = progress.states(user_id, modules)
    scores = _best_scores(user_id, modules)
    attended, registered = _workshops(user_id, rules.workshops, now)
    award = award or find_award(user_id, path.slug)
    module_evidence = {
        m.slug: ModuleEvidence(states[m.slug].done, m.quiz, *scores.get(m.slug, (None, None)))
        for m in modules}
    return Evidence(
        MappingProxyType(module_evidence), MappingProxyType(attended), MappingProxyType(registered),
        MappingProxyType(_refreshers(user_id, rules.renewal.refreshers)),
        AwardEvidence(award.revision, award.valid_from, award.expires_at, award.revoked_at)
        if award else None)


def assessment(user_id: int, path: LearningPath, now: datetime,
               award: CertificateAward | None = None) -> Assessment:
    """The learner's requirements and verdict for path (see eligibility.assess)."""
    return assess(path.modules, path.certification, evidence(user_id, path, now, award), now)


# -- issuing and renewing ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    award_id: int
    path_slug: str
    reason: str  # "issued" or "renewed"


def evaluate(user: User, now: datetime) -> list[Change]:
    """Issue or renew every certificate the learner has become eligible for, exactly once; returns
    what changed. Called when evidence changes (see wiring.py) and by the daily run."""
    paths = certifying_paths()
    if not paths or not user.active:
        return []
    lock_user(user.id)  # one learner's evaluations take turns (PostgreSQL; SQLite has one writer)
    changes = []
    for path in paths:
        award = find_award(user.id, path.slug)
        result = assessment(user.id, path, now, award)
        if result.verdict is Verdict.ELIGIBLE:
            award = _issue(user, path, result, now)
            if award is not None:
                changes.append(Change(award.id, path.slug, "issued"))
        elif result.verdict is Verdict.RENEWABLE and _renew(award, path, result, now):
            changes.append(Change(award.id, path.slug, "renewed"))
    return changes


def evaluate_user_id(user_id: int, now: datetime) -> list[Change]:
    user = db.session.get(User, user_id)
    return evaluate(user, now) if user is not None else []


def _evidence_record(result: Assessment) -> dict:
    return {"requirements": [
        {"kind": r.kind.value, "subject": r.subject, "state": r.state.value,
         "score": r.score, "pass_mark": r.pass_mark, "on": r.on.isoformat() if r.on else None}
        for r in result.requirements]}


def _revision(award: CertificateAward, path: LearningPath, number: int, reason: str,
              result: Assessment, now: datetime) -> AwardRevision:
    pdf = documents.certificate_pdf(award.user, path, award.number, now, result.expires_at)
    return AwardRevision(award_id=award.id, number=number, reason=reason, issued_at=now,
                         expires_at=result.expires_at, evidence=_evidence_record(result), pdf=pdf,
                         fingerprint=fingerprint(pdf))


def _issue(user: User, path: LearningPath, result: Assessment, now: datetime) -> CertificateAward | None:
    """The new award, or None when another request issued it at the same moment."""
    award = CertificateAward(user_id=user.id, user=user, path_slug=path.slug, number=new_number(),
                             issued_at=now, revision=1, valid_from=now, expires_at=result.expires_at)
    try:
        with db.session.begin_nested():
            db.session.add(award)
            db.session.flush()
            db.session.add(_revision(award, path, 1, "issued", result, now))
            db.session.flush()
    except IntegrityError:
        return None
    record(None, "certificate.issued", f"award:{award.id}", user_id=user.id, path=path.slug,
           number=award.number, expires_at=award.expires_at.isoformat())
    documents.queue_issued_mail(award, path, renewed=False)
    return award


def _renew(award: CertificateAward, path: LearningPath, result: Assessment, now: datetime) -> bool:
    """Extend the award with a new revision; False when another request renewed it just now."""
    number = award.revision + 1
    try:
        with db.session.begin_nested():
            db.session.add(_revision(award, path, number, "renewed", result, now))
            award.revision, award.valid_from, award.expires_at = number, now, result.expires_at
            db.session.flush()
    except IntegrityError:
        return False
    record(None, "certificate.renewed", f"award:{award.id}", user_id=award.user_id, path=path.slug,
           revision=number, expires_at=award.expires_at.isoformat())
    documents.queue_issued_mail(award, path, renewed=True)
    return True


# -- finding and revoking ---------------------------------------------------------------------------

def award_by_number(text: str) -> CertificateAward:
    """The award with this number; NotFound for a malformed or unknown one."""
    number = normalize_number(text)
    award = db.session.scalar(select(CertificateAward).where(CertificateAward.number == number)) \
        if number else None
    if award is None:
        raise NotFound(_l("There is no certificate with this number."))
    return award


def revisions(award: CertificateAward) -> list[AwardRevision]:
    """The award's revisions, the first issue first, without their PDFs (deferred: the pages show
    dates and fingerprints; only the download reads a PDF, through revision_of)."""
    return list(db.session.scalars(select(AwardRevision).where(AwardRevision.award_id == award.id)
                                   .options(defer(AwardRevision.pdf))
                                   .order_by(AwardRevision.number)))


def matching_revision(revisions, pdf: bytes | None, typed: str | None):
    """The revision whose issued PDF has the given file's (or the typed) SHA-256 fingerprint, False
    when none has, None when nothing was given."""
    if pdf:
        given = fingerprint(pdf)
    elif typed:
        given = typed.strip().lower()
    else:
        return None
    return next((r for r in revisions if hmac.compare_digest(r.fingerprint, given)), False)


def revision_of(award: CertificateAward, number: int | None = None) -> AwardRevision:
    """The award's revision number (default: the current one); NotFound when there is none."""
    revision = db.session.scalar(select(AwardRevision).where(
        AwardRevision.award_id == award.id, AwardRevision.number == (number or award.revision)))
    if revision is None:
        raise NotFound(_l("There is no such version of this certificate."))
    return revision


def can_manage(user, award: CertificateAward) -> bool:
    """Admins manage every award, coordinators those of people in their units."""
    scope = scope_unit_ids(user)
    return scope is None or (award.user.unit_id is not None and award.user.unit_id in scope)


def may_view(user, award: CertificateAward) -> bool:
    """The holder and whoever manages the award see its certificate page."""
    return award.user_id == user.id or can_manage(user, award)


def award_for_viewer(user, number: str) -> CertificateAward:
    """The award for its holder or a coordinator in scope; NotFound for anybody else."""
    award = award_by_number(number)
    if not may_view(user, award):
        raise NotFound(_l("There is no certificate with this number."))
    return award


def revoke(actor, award: CertificateAward, reason: str, now: datetime) -> CertificateAward:
    """Revoke the award (audited). Raises Forbidden outside the actor's units, DomainError without
    a reason, Conflict when it is already revoked."""
    if not can_manage(actor, award):
        raise Forbidden(_l("This certificate belongs to someone outside your units."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for revoking the certificate."), field="reason")
    if len(reason) > REVOKE_REASON_MAX:
        raise DomainError(_l("Use at most %(count)d characters.", count=REVOKE_REASON_MAX),
                          field="reason")
    if award.revoked_at is not None:
        raise Conflict(_l("This certificate is already revoked."))
    award.revoked_at, award.revoked_by_id, award.revoke_reason = now, actor.id, reason
    db.session.flush()
    record(actor.id, "certificate.revoked", f"award:{award.id}", user_id=award.user_id,
           path=award.path_slug, number=award.number, reason=reason)
    return award
