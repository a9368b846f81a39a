"""The national demo (`elearn demo --scale national`): a police force of about 15,000 people in 120
units with a few years of training history, made in bulk for the reports' benchmark.

Deterministic for a given seed (dates are relative to `now`). Written with Core bulk inserts and no
service calls per row; one password hash is shared by every account. What the bulk data leaves out is
said in learning.py (attempt questions, section reads of completed modules), pdf.py (the certificate
PDFs) and plans.py (assignment e-mails).
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from elearn.clock import utcnow
from elearn.demo import DemoLogin
from elearn.demo_national.awards import Awarding, plan_key_officers, write_awards
from elearn.demo_national.learning import BATCH, Learning
from elearn.demo_national.people import create_people, create_units
from elearn.demo_national.plans import create_assignments, create_cohorts
from elearn.demo_national.sessions import create_registrations, create_sessions
from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.auth.passwords import hash_password
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes.models import QuizAttempt
from elearn.modules.quizzes.services import quiz_bank
from elearn.modules.workshops.loader import workshops


@dataclass(frozen=True)
class Scale:
    users: int = 15_000
    districts: int = 12  # each with 3 centres and 6 teams
    real_pdfs: int = 30  # certificates rendered as the site renders them; the rest are placeholders


NATIONAL = Scale()


@dataclass
class Report:
    logins: list[DemoLogin]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _paths():
    """(key-officer path, path per kind of work): by the paths' audiences, so any course fits."""
    paths = catalogue().paths
    key = next((p for p in paths if p.certification and p.certification.directory), None)
    general = next((p for p in paths if "recruit" in p.audience), None) or \
        next((p for p in paths if p is not key), key)
    servicecenter = next((p for p in paths if "servicecenter" in p.audience), general)
    tracks = {"servicecenter": servicecenter, "patrol": general, "investigation": general, "staff": general}
    return key, tracks


def _learning(rng: random.Random, force, key_plans, key_path, tracks, now: datetime) -> dict:
    modules, bank = catalogue().modules, quiz_bank().quizzes
    learning, done = Learning(rng, now, modules, bank), {}
    for number, person in enumerate(force.people, start=1):
        plan = key_plans.get(person.id)
        track = key_path if plan else tracks[person.work]
        diligence = rng.random() * (0.3 if (now - person.joined).days < 150 else 1.0)
        done[person.id] = learning.person(person.id, track, person.joined,
                                          plan.issued_at if plan else None, diligence)
        if number % BATCH == 0:
            learning.rows.flush()
    learning.rows.flush()
    return done


def seed(scale: Scale | None = None, random_seed: int = 2027, now: datetime | None = None) -> Report:
    """Fill a fresh, migrated database with the national force (default NATIONAL; commits); returns the
    logins (one shared password), row counts and the seconds each step took."""
    rng, now, scale = random.Random(random_seed), now or utcnow(), scale or NATIONAL
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    report, clock = Report([]), time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        report.seconds[name] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()

    units = create_units(scale.districts)
    force = create_people(rng, units, scale.users, hash_password(password), now)
    step("units and people")
    key_path, tracks = _paths()
    key_workshops = key_path.certification.workshops if key_path else ()
    slots = create_sessions(rng, force, workshops(), key_workshops, now)
    key_plans = plan_key_officers(rng, force, slots, key_workshops, now) if key_path else {}
    done = _learning(rng, force, key_plans, key_path, tracks, now)
    step("progress and attempts")
    report.counts["registrations"] = create_registrations(rng, force, slots, workshops(), now)
    step("workshops")
    awarding = Awarding(rng, force, quiz_bank().quizzes, now)
    awarding.everyone([p for p in catalogue().paths if p.certification], done, key_plans, key_path,
                      catalogue().modules)
    report.counts["awards"], report.counts["revisions"], report.counts["real PDFs"] = \
        write_awards(awarding, scale.real_pdfs)
    step("certificates")
    cohorts = create_cohorts(rng, force, now)
    slugs = {"key": key_path.slug if key_path else None, "general": tracks["patrol"].slug,
             "servicecenter": tracks["servicecenter"].slug}
    report.counts["assignments"] = create_assignments(
        rng, force, {k: v for k, v in slugs.items() if v}, list(catalogue().modules), cohorts, now)
    db.session.commit()
    step("cohorts and assignments")
    report.counts.update(units=len(units), people=len(force.people), sessions=len(slots),
                         attempts=db.session.scalar(select(func.count()).select_from(QuizAttempt)))
    described = (("admin", (Role.ADMIN,), "an administrator of the whole force"),
                 ("coordinator", (Role.LEARNER, Role.COORDINATOR),
                  f"the training coordinator of {units[0]['name']}"),
                 ("learner", (Role.LEARNER,), "a key officer"))
    report.logins = [DemoLogin(force.logins[kind], password, roles, text) for kind, roles, text in described]
    return report


def generate(app, scale: Scale | None = None, random_seed: int = 2027) -> Report:
    """seed() inside the app's context (for the benchmark and the tests)."""
    with app.app_context():
        return seed(scale, random_seed)
