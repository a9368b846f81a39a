"""Cohorts and assignments for the national demo: recruit cohorts and key-officer groups, and paths
and modules assigned to units, cohorts and people, some due, some overdue, one withdrawn per district.
No AssignmentNotice rows: the demo sends no e-mail for assignments made before it started."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert

from elearn.demo_national.bulk import insert_returning_ids
from elearn.demo_national.people import DISTRICTS, Force
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, Cohort, CohortMember, TargetKind
from elearn.modules.units.models import UnitKind
from elearn.modules.workshops.times import local_date


def _assignment(kind, slug, audience, target: int, due, by, now, withdrawn=False) -> dict:
    return {"target_kind": kind, "target_slug": slug, "audience": audience,
            "user_id": target if audience == Audience.PERSON else None,
            "unit_id": target if audience == Audience.UNIT else None,
            "cohort_id": target if audience == Audience.COHORT else None, "due_on": due, "created_by_id": by,
            "created_at": now - timedelta(days=45),
            "withdrawn_at": now - timedelta(days=3) if withdrawn else None}


def create_cohorts(rng: random.Random, force: Force, now: datetime) -> list[tuple[int, int, str]]:
    """Two cohorts in each of the first four districts: the newest patrol officers ("recruits") and the
    key officers. Returns (cohort id, district, kind)."""
    rows, members, kinds = [], [], []
    for district in sorted(force.coordinators)[:4]:
        root = next(u for u in force.units if u["district"] == district and u["kind"] == UnitKind.DISTRICT)
        by = force.coordinators[district][0]
        people = [p for p in force.people if p.district == district and p.active]
        recruits = sorted((p for p in people if p.work == "patrol"), key=lambda p: p.joined)[-30:]
        keys = [p for p in people if p.key_officer]
        town = DISTRICTS[district][2]
        for kind, name, group in (("recruits", f"Politielever {town}, efterår {now.year}", recruits),
                                  ("keys", f"Nøglemedarbejdere {town} {now.year}", keys)):
            rows.append({"name": name, "unit_id": root["id"], "created_by_id": by,
                         "created_at": now - timedelta(days=rng.randint(60, 200))})
            members.append(group)
            kinds.append((district, kind))
    ids = insert_returning_ids(Cohort, rows) if rows else []
    member_rows = [{"cohort_id": cohort_id, "user_id": p.id, "added_at": now - timedelta(days=50)}
                   for cohort_id, group in zip(ids, members, strict=True) for p in group]
    if member_rows:
        db.session.connection().execute(insert(CohortMember.__table__), member_rows)
    return [(cohort_id, district, kind) for cohort_id, (district, kind) in zip(ids, kinds, strict=True)]


def create_assignments(rng: random.Random, force: Force, paths: dict[str, object], modules: list[str],
                       cohorts, now: datetime) -> int:
    """paths: "key", "general", "servicecenter" -> path slug (missing when the content has none)."""
    today, rows = local_date(now), []
    for district, coordinators in sorted(force.coordinators.items()):
        by = coordinators[0]
        units = {u["code"].split("-", 1)[-1] if "-" in u["code"] else "": u["id"]
                 for u in force.units if u["district"] == district}
        for key, code, days in (("key", "EFT", 75), ("general", "BER", -20), ("servicecenter", "SC", 40)):
            if key in paths and code in units:
                rows.append(_assignment(TargetKind.PATH, paths[key], Audience.UNIT, units[code],
                                        today + timedelta(days=days), by, now))
        people = [p for p in force.people if p.district == district and p.active]
        for number, person in enumerate(rng.sample(people, min(5, len(people)))):
            due = today + timedelta(days=rng.randint(-30, 60))
            rows.append(_assignment(TargetKind.MODULE, rng.choice(modules), Audience.PERSON, person.id, due,
                                    by, now, withdrawn=number == 0))
    for cohort_id, district, kind in cohorts:
        slug = paths.get("key" if kind == "keys" else "general")
        if slug:
            rows.append(_assignment(TargetKind.PATH, slug, Audience.COHORT, cohort_id,
                                    today + timedelta(days=-10 if kind == "keys" else 120),
                                    force.coordinators[district][0], now))
    if rows:
        insert_returning_ids(Assignment, rows)
    return len(rows)
