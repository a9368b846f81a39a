"""Workshop sessions for the national demo: a calendar per district over the last three and a half
years and the next three months, with registrations, attendance, no-shows, cancellations and waiting
lists."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from elearn.demo_national.bulk import insert_returning_ids, insert_rows
from elearn.demo_national.people import DISTRICTS, Force
from elearn.modules.workshops.models import (
    Audience,
    Registration,
    RegistrationState,
    SessionState,
    WorkshopSession,
)
from elearn.modules.workshops.times import local_date, to_utc

#: person's work -> the workshop audience words it matches
AUDIENCE = {"servicecenter": "servicecenter", "patrol": "patrol", "investigation": "investigation",
            "staff": "coordinator"}


@dataclass
class Slot:
    id: int
    district: int
    slug: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    cancelled: bool
    taken: dict[int, RegistrationState] = field(default_factory=dict)  # user id -> state


def create_sessions(rng: random.Random, force: Force, workshops, key_workshops: tuple[str, ...],
                    now: datetime) -> list[Slot]:
    """Sessions of every workshop in every district; the key officers' workshops run more often."""
    roots = {u["district"]: u["id"] for u in force.units if u["parent"] is None}
    rows, slots = [], []
    for district, unit_id in roots.items():
        facilitators = force.coordinators.get(district) or [None]
        for slug, workshop in workshops.items():
            every = 45 if slug in key_workshops else 100
            day = local_date(now - timedelta(days=3.5 * 365 - rng.randint(0, every)))
            while day < local_date(now + timedelta(days=100)):
                day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
                starts = to_utc(day, time(9, 0))
                ends = starts + timedelta(minutes=workshop.minutes)
                cancelled = rng.random() < 0.03
                capacity = 20 if slug in key_workshops else 16
                facilitator = rng.choice(facilitators)
                rows.append({"workshop_slug": slug, "unit_id": unit_id, "starts_at": starts, "ends_at": ends,
                             "place": f"{DISTRICTS[district][2]} politistation, undervisningslokale "
                                      f"{rng.randint(1, 4)}", "online_url": "", "facilitator_id": facilitator,
                             "capacity": capacity, "audience": Audience.OPEN,
                             "registration_deadline": starts - timedelta(days=2),
                             "cancellation_deadline": starts - timedelta(days=2),
                             "state": SessionState.CANCELLED if cancelled else SessionState.SCHEDULED,
                             "cancel_reason": "Underviseren er syg." if cancelled else "", "revision": 1,
                             "created_by_id": facilitator, "created_at": starts - timedelta(days=60)})
                slots.append(Slot(0, district, slug, starts, ends, capacity, cancelled))
                day += timedelta(days=every)
    for slot, session_id in zip(slots, insert_returning_ids(WorkshopSession, rows), strict=True):
        slot.id = session_id
    return slots


def _fill(rng: random.Random, slot: Slot, candidates: list[int], now: datetime) -> None:
    """Other people register: past sessions were attended (or not), future ones fill up, with a
    waiting list now and then."""
    wanted = rng.randint(slot.capacity // 2, slot.capacity + 3)
    for user_id in rng.sample(candidates, min(len(candidates), wanted)):
        if user_id in slot.taken:
            continue
        full = len(slot.taken) >= slot.capacity
        if slot.cancelled:
            state = RegistrationState.CANCELLED
        elif slot.starts_at > now:
            state = RegistrationState.WAITLISTED if full else RegistrationState.REGISTERED
        elif full:
            continue
        else:
            draw = rng.random()
            state = (RegistrationState.ATTENDED if draw < 0.8 else RegistrationState.NO_SHOW if draw < 0.9
                     else RegistrationState.CANCELLED)
        slot.taken[user_id] = state


def create_registrations(rng: random.Random, force: Force, slots: list[Slot], workshops,
                         now: datetime) -> int:
    """Insert every slot's registrations (the key officers' attendance is in slot.taken already)."""
    pool: dict[tuple[int, str], list[int]] = {}
    for person in force.people:
        if person.active:
            pool.setdefault((person.district, AUDIENCE[person.work]), []).append(person.id)
    rows = []
    for slot in slots:
        audience = workshops[slot.slug].audience
        candidates = [u for word in audience for u in pool.get((slot.district, word), [])]
        _fill(rng, slot, candidates, now)
        for user_id, state in slot.taken.items():
            queued = slot.starts_at - timedelta(days=rng.uniform(3, 50))
            rows.append({"session_id": slot.id, "user_id": user_id, "state": state, "queued_at": queued,
                         "updated_at": slot.starts_at if state in (RegistrationState.ATTENDED,
                                                                   RegistrationState.NO_SHOW) else queued,
                         "cancel_reason": "Vagtplanen blev ændret." if state == RegistrationState.CANCELLED
                         else "", "checked_in_at": slot.starts_at if state == RegistrationState.ATTENDED
                         else None})
    insert_rows(Registration, rows)
    return len(rows)
