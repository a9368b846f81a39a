"""Certificates for the national demo: two or three key officers per unit (some expiring, some
expired, some renewed, a few units with none valid), and every recruit or Servicecenter certificate
that the people's completed modules earn, each with its revisions and PDFs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from elearn.demo_national.bulk import insert_returning_ids, insert_rows
from elearn.demo_national.learning import Done, attempt_row
from elearn.demo_national.pdf import placeholder_pdf
from elearn.demo_national.sessions import Slot
from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.certification import documents
from elearn.modules.certification.certificate import fingerprint
from elearn.modules.certification.eligibility import first_expiry, renewal_opens, renewed_expiry, valid_until
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.certification.services import ALPHABET
from elearn.modules.quizzes.models import AttemptMode, QuizAttempt
from elearn.modules.workshops.models import RegistrationState

MONTH = timedelta(days=30.44)


@dataclass(frozen=True)
class KeyPlan:
    issued_at: datetime  # the end of the last workshop attended: the first issue
    renewed_at: datetime | None


def _closest(slots: list[Slot], target: datetime) -> Slot:
    return min(slots, key=lambda slot: abs(slot.ends_at - target))


def plan_key_officers(rng: random.Random, force, slots: list[Slot], workshops: tuple[str, ...],
                      now: datetime) -> dict[int, KeyPlan]:
    """When each key officer attended the path's workshops (the last one issues the certificate):
    most valid, some within 90 days of expiry, some expired; the units drawn as gaps have only expired
    ones. The account printed as the learner login is a valid key officer."""
    past = [s for s in slots if not s.cancelled and s.ends_at < now - timedelta(days=7)]
    gaps = {u["id"] for u in force.units if rng.random() < 0.08}
    plans = {}
    for person in force.people:
        if not person.key_officer or not workshops:
            continue
        mine = [s for s in past if s.district == person.district]
        draw = 0.99 if person.unit_id in gaps else 0.1 if person.id == force.learner_id else rng.random()
        ago = (rng.uniform(1, 18) if draw < 0.6 else rng.uniform(21.2, 23.8) if draw < 0.78
               else rng.uniform(22.5, 23.5) if draw < 0.9 else rng.uniform(25, 32))
        renewed = 0.78 <= draw < 0.9
        last = _closest([s for s in mine if s.slug == workshops[-1]], now - ago * MONTH)
        for slug in workshops[:-1]:
            earlier = [s for s in mine if s.slug == slug and s.ends_at < last.starts_at] or \
                      [s for s in mine if s.slug == slug]
            earlier[-1].taken[person.id] = RegistrationState.ATTENDED
        last.taken[person.id] = RegistrationState.ATTENDED
        renewed_at = now - timedelta(days=rng.uniform(5, 60)) if renewed else None
        plans[person.id] = KeyPlan(last.ends_at, renewed_at)
    return plans


def _number(rng: random.Random) -> str:
    chars = "".join(rng.choice(ALPHABET) for _ in range(16))
    return "EL-" + "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def _evidence(path, done: dict[str, Done], workshops_at: datetime | None) -> dict:
    requirements = [{"kind": "module", "subject": slug, "state": "met", "score": done[slug].score,
                     "pass_mark": done[slug].pass_mark, "on": done[slug].at.isoformat()}
                    for slug in path.modules]
    requirements += [{"kind": "workshop", "subject": slug, "state": "met", "score": None,
                      "pass_mark": None, "on": workshops_at.isoformat()}
                     for slug in path.certification.workshops]
    return {"requirements": requirements}


@dataclass
class Award:
    person: object
    path: object
    number: str
    revisions: list[dict]  # number, reason, issued_at, expires_at, evidence
    revoked_at: datetime | None = None
    revoked_by_id: int | None = None


class Awarding:
    """Decides each award and its revisions; the refresher attempts a renewal needs come with it."""

    def __init__(self, rng: random.Random, force, quizzes, now: datetime) -> None:
        self.rng, self.force, self.quizzes, self.now = rng, force, quizzes, now
        self.awards: list[Award] = []
        self.attempts: list[dict] = []

    def award(self, person, path, done: dict[str, Done], issued_at: datetime, renewed_at: datetime | None,
              modules) -> None:
        rules = path.certification
        expires = first_expiry(rules, issued_at)
        evidence = _evidence(path, done, issued_at)
        revisions = [{"number": 1, "reason": "issued", "issued_at": issued_at, "expires_at": expires,
                      "evidence": evidence}]
        if renewed_at is not None and renewal_opens(rules, expires) <= renewed_at < min(expires, self.now):
            refreshed = []
            for slug in rules.renewal.refreshers:
                at = renewed_at - timedelta(days=self.rng.uniform(1, 60))
                quiz = self.quizzes[slug]
                module = modules[quiz.module]
                self.attempts.append(attempt_row(self.rng, person.id, quiz, module, module.version.major,
                                                 AttemptMode.REFRESHER, at, 1, 1))
                refreshed.append({"kind": "refresher", "subject": slug, "state": "met", "score": 1.0,
                                  "pass_mark": quiz.pass_mark, "on": at.isoformat()})
            revisions.append({"number": 2, "reason": "renewed", "issued_at": renewed_at,
                              "expires_at": renewed_expiry(rules, expires, renewed_at),
                              "evidence": {"requirements": evidence["requirements"] + refreshed}})
        award = Award(person, path, _number(self.rng), revisions)
        if self.rng.random() < 0.01 and person.id != self.force.learner_id:
            coordinators = self.force.coordinators.get(person.district) or [None]
            award.revoked_at = revisions[-1]["issued_at"] + (self.now - revisions[-1]["issued_at"]) / 2
            award.revoked_by_id = coordinators[0]
        self.awards.append(award)

    def everyone(self, paths, done_by_user: dict[int, dict[str, Done]], key_plans: dict[int, KeyPlan],
                 key_path, modules) -> None:
        """The key officers' awards as planned; the other paths' wherever all modules are done."""
        for person in self.force.people:
            done = done_by_user.get(person.id, {})
            for path in paths:
                if path is key_path:
                    plan = key_plans.get(person.id)
                    if plan is not None:
                        self.award(person, path, done, plan.issued_at, plan.renewed_at, modules)
                elif all(slug in done for slug in path.modules):
                    issued = min(max(done[slug].at for slug in path.modules)
                                 + timedelta(hours=self.rng.uniform(0, 30)), self.now - timedelta(minutes=5))
                    expires = first_expiry(path.certification, issued)
                    opens = renewal_opens(path.certification, expires)
                    renew = opens + (min(expires, self.now) - opens) * self.rng.random() \
                        if opens < self.now and self.rng.random() < 0.25 else None
                    self.award(person, path, done, issued, renew, modules)


def _placeholder(award: Award, revision: dict, unit_name: str) -> bytes:
    return placeholder_pdf("Certifikat (demodata)", [
        award.person.name, unit_name, f"har gennemført læringsforløbet {award.path.title('da')}",
        f"Udstedt {revision['issued_at']:%d-%m-%Y}",
        f"Gyldigt til og med {valid_until(revision['expires_at']):%d-%m-%Y}",
        f"Certifikatnummer {award.number}", f"Tjek certifikatet på {documents.verify_url(award.number)}",
        "Demodata: dannet i bulk uden certifikatets layout."])


def write_awards(awarding: Awarding, real_pdfs: int) -> tuple[int, int, int]:
    """Insert the awards and their revisions; the current revision of the first real_pdfs awards
    (the learner login's first, then district 1's key officers) gets the PDF the site renders, every
    other revision a placeholder_pdf. Returns (awards, revisions, real PDFs)."""
    force, awards = awarding.force, awarding.awards
    rows = [{"user_id": a.person.id, "path_slug": a.path.slug, "number": a.number,
             "issued_at": a.revisions[0]["issued_at"], "revision": len(a.revisions),
             "valid_from": a.revisions[-1]["issued_at"], "expires_at": a.revisions[-1]["expires_at"],
             "revoked_at": a.revoked_at, "revoked_by_id": a.revoked_by_id,
             "revoke_reason": "Registreret ved en fejl." if a.revoked_at else ""} for a in awards]
    ids = insert_returning_ids(CertificateAward, rows)
    order = sorted(range(len(awards)), key=lambda i: (
        awards[i].person.id != force.learner_id, awards[i].person.district,
        not awards[i].path.certification.directory))
    real = set(order[:real_pdfs])
    units = {u["id"]: u["name"] for u in force.units}
    revisions = []
    for index, (award, award_id) in enumerate(zip(awards, ids, strict=True)):
        for revision in award.revisions:
            if index in real and revision is award.revisions[-1]:
                holder = db.session.get(User, award.person.id)
                pdf = documents.certificate_pdf(holder, award.path, award.number, revision["issued_at"],
                                                revision["expires_at"])
            else:
                pdf = _placeholder(award, revision, units[award.person.unit_id])
            revisions.append({**revision, "award_id": award_id, "pdf": pdf, "fingerprint": fingerprint(pdf)})
    insert_rows(AwardRevision, revisions)
    insert_rows(QuizAttempt, awarding.attempts)
    return len(awards), len(revisions), len(real)
