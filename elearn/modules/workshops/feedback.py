"""Feedback after a session, and the knowledge needs people send the coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from elearn.errors import DomainError, Forbidden, NotFound
from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.auth.services import scope_unit_ids
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.models import (
    Feedback,
    KnowledgeNeed,
    NeedStatus,
    RegistrationState,
    WorkshopSession,
)
from elearn.modules.workshops.services import find_registration

TEXT_MAX = 2000


@dataclass(frozen=True)
class Rating:
    count: int
    average: float | None


def can_give_feedback(session: WorkshopSession, user_id: int) -> bool:
    registration = find_registration(session.id, user_id)
    return registration is not None and registration.state is RegistrationState.ATTENDED


def own_feedback(session_id: int, user_id: int) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.session_id == session_id,
                                                    Feedback.user_id == user_id))


def give_feedback(session: WorkshopSession, user_id: int, rating: int, useful: str,
                  missing: str) -> Feedback:
    """Save (or replace) the attendee's feedback; raises Forbidden for someone who did not attend
    and DomainError for a rating outside 1–5."""
    if not can_give_feedback(session, user_id):
        raise Forbidden(_l("Feedback can be given by people who attended the session."))
    if not 1 <= rating <= 5:
        raise DomainError(_l("Choose a rating from 1 to 5."), field="rating")
    feedback = own_feedback(session.id, user_id)
    if feedback is None:
        try:
            with db.session.begin_nested():
                feedback = Feedback(session_id=session.id, user_id=user_id, rating=rating)
                db.session.add(feedback)
        except IntegrityError:  # the same form sent twice at once: the other one made the row
            feedback = own_feedback(session.id, user_id)
    feedback.rating = rating
    feedback.useful, feedback.missing = useful.strip()[:TEXT_MAX], missing.strip()[:TEXT_MAX]
    db.session.flush()
    return feedback


def session_feedback(session_id: int) -> list[Feedback]:
    return list(db.session.scalars(select(Feedback).where(Feedback.session_id == session_id)
                                   .order_by(Feedback.created_at)))


def ratings_by_session(session_ids) -> dict[int, Rating]:
    ids = list(session_ids)
    rows = db.session.execute(select(Feedback.session_id, func.count(), func.avg(Feedback.rating))
                              .where(Feedback.session_id.in_(ids))
                              .group_by(Feedback.session_id)) if ids else []
    found = {sid: Rating(n, float(avg)) for sid, n, avg in rows}
    return {sid: found.get(sid, Rating(0, None)) for sid in ids}


@dataclass(frozen=True)
class WorkshopFeedback:
    slug: str
    sessions: int
    rating: Rating
    comments: tuple[Feedback, ...]


def feedback_by_workshop(scope: set[int] | None) -> list[WorkshopFeedback]:
    """Per workshop: the sessions with feedback, the average rating and the written comments, for
    sessions in the unit ids of scope (None: all)."""
    stmt = (select(Feedback, WorkshopSession.workshop_slug)
            .join(WorkshopSession, WorkshopSession.id == Feedback.session_id)
            .order_by(WorkshopSession.workshop_slug, Feedback.created_at))
    if scope is not None:
        stmt = stmt.where(WorkshopSession.unit_id.in_(scope))
    grouped: dict[str, list[Feedback]] = {}
    for feedback, slug in db.session.execute(stmt):
        grouped.setdefault(slug, []).append(feedback)
    result = []
    for slug, items in grouped.items():
        average = sum(f.rating for f in items) / len(items)
        result.append(WorkshopFeedback(slug, len({f.session_id for f in items}),
                                       Rating(len(items), average),
                                       tuple(f for f in items if f.useful or f.missing)))
    return result


def send_need(user: User, topic: str, why: str, workshop_slug: str, now: datetime) -> KnowledgeNeed:
    """Record a knowledge need from user, seen by the coordinators of user's unit."""
    if not topic.strip():
        raise DomainError(_l("Say what you need to learn."), field="topic")
    if workshop_slug and workshop_slug not in workshops():
        raise DomainError(_l("Choose a workshop from the list."), field="workshop_slug")
    need = KnowledgeNeed(user_id=user.id, unit_id=user.unit_id, topic=topic.strip()[:200],
                         why=why.strip()[:TEXT_MAX], workshop_slug=workshop_slug or "",
                         status=NeedStatus.NEW, created_at=now)
    db.session.add(need)
    db.session.flush()
    return need


def needs_in_scope(user, status: NeedStatus | None = None) -> dict[str, list[KnowledgeNeed]]:
    """The knowledge needs from the user's units, grouped by workshop slug ('' for no workshop),
    newest first."""
    scope = scope_unit_ids(user)
    stmt = select(KnowledgeNeed).order_by(KnowledgeNeed.created_at.desc(), KnowledgeNeed.id.desc())
    if scope is not None:
        stmt = stmt.where(KnowledgeNeed.unit_id.in_(scope))
    if status is not None:
        stmt = stmt.where(KnowledgeNeed.status == status)
    grouped: dict[str, list[KnowledgeNeed]] = {}
    for need in db.session.scalars(stmt):
        grouped.setdefault(need.workshop_slug, []).append(need)
    return dict(sorted(grouped.items(), key=lambda item: (item[0] == "", item[0])))


def set_need_status(user, need_id: int, status: NeedStatus) -> KnowledgeNeed:
    """Set a need's status; raises NotFound for a need outside the user's units."""
    need = db.session.get(KnowledgeNeed, need_id)
    scope = scope_unit_ids(user)
    if need is None or (scope is not None and need.unit_id not in scope):
        raise NotFound(_l("There is no such knowledge need."))
    need.status = status
    db.session.flush()
    return need
