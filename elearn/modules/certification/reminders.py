"""The daily run: evaluate everyone (catching anything no event announced) and queue each due expiry
reminder once (a CertificateReminder row per award, revision and days-before, unique)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.certification import documents
from elearn.modules.certification.eligibility import days_left, due_reminders
from elearn.modules.certification.models import CertificateAward, CertificateReminder
from elearn.modules.certification.services import certifying_paths, evaluate


@dataclass(frozen=True)
class RunReport:
    issued: int
    renewed: int
    reminders: int


def _recorded(award: CertificateAward) -> set[int]:
    return set(db.session.scalars(select(CertificateReminder.days_before).where(
        CertificateReminder.award_id == award.id,
        CertificateReminder.revision == award.revision)))


def _remind(award: CertificateAward, path, now: datetime) -> bool:
    """Record the award's due reminders; e-mail only the most urgent new one (a run that missed
    days sends one message, not three). Whether a message was queued."""
    due = due_reminders(path.certification, award.expires_at, now)
    new = [days for days in due if days not in _recorded(award)]
    if not new:
        return False
    try:
        with db.session.begin_nested():
            rows = [CertificateReminder(award_id=award.id, revision=award.revision, days_before=d,
                                        created_at=now) for d in new]
            db.session.add_all(rows)
            db.session.flush()  # a concurrent run that recorded them first wins here
            if due[-1] in new:
                left = max(1, days_left(award.expires_at, now))
                rows[-1].message_id = documents.queue_reminder(award, path, left).id
                db.session.flush()
    except IntegrityError:
        return False
    return due[-1] in new


def queue_reminders(now: datetime) -> int:
    """Queue the expiry reminders due now, each once; returns how many e-mails were queued."""
    queued = 0
    for path in certifying_paths():
        # a day of slack: reminders count Copenhagen calendar days, and a change from summer time
        # makes those days 25 hours long (due_reminders decides exactly)
        horizon = now + timedelta(days=max(path.certification.reminders_days, default=0) + 1)
        holder = User.id == CertificateAward.user_id
        awards = db.session.scalars(select(CertificateAward).join(User, holder).where(
            CertificateAward.path_slug == path.slug, CertificateAward.revoked_at.is_(None),
            CertificateAward.expires_at > now, CertificateAward.expires_at <= horizon,
            User.active.is_(True)).order_by(CertificateAward.id))  # two runs at once lock in one order
        queued += sum(1 for award in awards.all() if _remind(award, path, now))
    return queued


def run(now: datetime, checkpoint=None) -> RunReport:
    """Evaluate every active person, then queue due reminders. checkpoint (e.g. the session's
    commit) is called after each person, so a long run holds no one's lock for long; the caller
    commits the rest."""
    issued = renewed = 0
    user_ids = db.session.scalars(select(User.id).where(User.active.is_(True)).order_by(User.id))
    for user_id in user_ids.all():
        for change in evaluate(db.session.get(User, user_id), now):
            issued += change.reason == "issued"
            renewed += change.reason == "renewed"
        if checkpoint is not None:
            checkpoint()
    return RunReport(issued, renewed, queue_reminders(now))
