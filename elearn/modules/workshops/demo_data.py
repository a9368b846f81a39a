"""Demo workshop data: a nearly full session with a waiting list, an invitation, a past session with
attendance and feedback, and a knowledge need, all made through the services."""

from __future__ import annotations

from datetime import time, timedelta

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.workshops import feedback, scheduling, services
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.models import Audience, Invitation
from elearn.modules.workshops.times import local_date, to_utc

PREFERRED = ("consent-and-referral", "key-officer-case-workshop", "knowledge-seminar")


def session_plan(slug: str, unit_id: int, days: int, capacity: int, facilitator: User,
          audience=Audience.OPEN) -> scheduling.SessionPlan:
    day = local_date(utcnow()) + timedelta(days=days)
    starts, ends = to_utc(day, time(9, 0)), to_utc(day, time(12, 0))
    return scheduling.SessionPlan(slug, unit_id, starts, ends, "Horsens politistation, mødelokale 2",
                                  "", facilitator.id, capacity, audience, None, None)


def seed(coordinator: User, people: list[User]) -> None:
    """Sessions of the first three workshop themes (nothing when there are none)."""
    slugs = [s for s in PREFERRED if s in workshops()] or list(workshops())
    if not slugs or len(people) < 6:
        return
    unit_id = coordinator.unit_id
    slug = slugs[0]
    full = scheduling.schedule(coordinator, session_plan(slug, unit_id, 12, 4, coordinator), utcnow())
    for minutes, person in enumerate(people[:6]):
        services.register(full, person, utcnow() + timedelta(minutes=minutes))
    later = slugs[1 % len(slugs)]
    invited = scheduling.schedule(coordinator, session_plan(later, unit_id, 26, 12, coordinator,
                                                     Audience.INVITED), utcnow())
    db.session.add(Invitation(session_id=invited.id, user_id=people[0].id,
                              invited_by_id=coordinator.id))
    _past_session(coordinator, slugs[-1], people)
    feedback.send_need(people[1], "Samtykkeerklæringen i telefonen",
                       "Hvordan spørger jeg om samtykke, når borgeren ringer ind?", slug, utcnow())
    db.session.flush()


def _past_session(coordinator: User, slug: str, people: list[User]) -> None:
    plan = session_plan(slug, coordinator.unit_id, -14, 10, coordinator)
    session = scheduling.schedule(coordinator, plan, plan.starts_at - timedelta(days=30))
    registrations = [services.register(session, person, plan.starts_at - timedelta(days=7))
                     for person in people[:4]]
    for registration in registrations[:3]:
        services.mark_attendance(registration, True, coordinator.id, plan.starts_at)
    services.mark_attendance(registrations[3], False, coordinator.id, plan.starts_at)
    feedback.give_feedback(session, people[0].id, 5, "Øvelsen i par med samtykkeerklæringen.",
                           "Mere tid til spørgsmål.")
    feedback.give_feedback(session, people[1].id, 4, "At høre kollegernes erfaringer.", "")
