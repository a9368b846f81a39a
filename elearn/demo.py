"""Demo data: a police district with its units, accounts for each role, workshop sessions, key
officers whose certificates are valid, expiring soon and expired, and a cohort of recruits with
assignments (one of them overdue for the learner login)."""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from werkzeug.datastructures import MultiDict

from elearn.clock import local_date, utcnow
from elearn.extensions import db
from elearn.modules.assignments import cohorts
from elearn.modules.assignments import services as assignments
from elearn.modules.assignments.models import Audience, TargetKind
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.certification.services import certifying_paths
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import answers, submission
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.drawing import option_token
from elearn.modules.quizzes.models import AttemptMode
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from elearn.modules.workshops import demo_data as workshop_demo
from elearn.modules.workshops import scheduling
from elearn.modules.workshops import services as workshops

# (code, name, kind, parent code)
DEMO_UNITS = (
    ("SJYL", "Sydøstjyllands Politi", UnitKind.DISTRICT, None),
    ("SJYL-SC", "Servicecenter", UnitKind.CENTRE, "SJYL"),
    ("SJYL-BEREDSKAB", "Beredskabscenter", UnitKind.CENTRE, "SJYL"),
    ("SJYL-PAT-HOR", "Patrulje Horsens", UnitKind.TEAM, "SJYL-BEREDSKAB"),
    ("SJYL-PAT-VEJ", "Patrulje Vejle", UnitKind.TEAM, "SJYL-BEREDSKAB"),
    ("SJYL-EFT", "Efterforskningscenter", UnitKind.CENTRE, "SJYL"),
    ("SJYL-EFT-VEJ", "Efterforskning Vejle", UnitKind.TEAM, "SJYL-EFT"),
    ("SJYL-EFT-HOR", "Efterforskning Horsens", UnitKind.TEAM, "SJYL-EFT"),
)

# (e-mail, name, unit code, roles, what the account shows)
DEMO_ACCOUNTS = (
    ("learner@demo.elearn", "Mette Sørensen", "SJYL-PAT-HOR", (Role.LEARNER,),
     "a patrol officer"),
    ("callhandler@demo.elearn", "Jonas Holm", "SJYL-SC", (Role.LEARNER,),
     "a Servicecenter call-taker"),
    ("coordinator@demo.elearn", "Lene Dahl", "SJYL", (Role.LEARNER, Role.COORDINATOR),
     "the district's training coordinator"),
    ("admin@demo.elearn", "Admin Demo", "SJYL", (Role.ADMIN,), "an administrator"),
    ("patrol2@demo.elearn", "Ahmed Karimi", "SJYL-PAT-VEJ", (Role.LEARNER,),
     "a patrol officer whose key-officer certificate expired"),
    ("detective@demo.elearn", "Sofie Lund", "SJYL-EFT-VEJ", (Role.LEARNER,), "a key officer"),
    ("detective2@demo.elearn", "Peter Nørgaard", "SJYL-EFT-HOR", (Role.LEARNER,),
     "an investigator, key officer until next month"),
    ("callhandler2@demo.elearn", "Camilla Berg", "SJYL-SC", (Role.LEARNER,),
     "a Servicecenter call-taker, on a waiting list"),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    roles: tuple[Role, ...]
    description: str


def seed() -> list[DemoLogin]:
    """Create the demo units and accounts with fresh random passwords; returns the logins."""
    ids: dict[str, int] = {}
    for code, name, kind, parent in DEMO_UNITS:
        ids[code] = create_unit(name, code, kind, ids.get(parent) if parent else None).id
    logins, users = [], []
    for email, name, unit, roles, description in DEMO_ACCOUNTS:
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        users.append(accounts.create_user(name, email, roles, unit_id=ids[unit], password=password))
        logins.append(DemoLogin(email, password, roles, description))
    coordinator = next(user for user in users if user.has_role(Role.COORDINATOR))
    workshop_demo.seed(coordinator, [user for user in users if user.roles == {Role.LEARNER}])
    db.session.commit()
    seed_quiz_history(ids)
    by_email = {user.email: user for user in users}
    seed_key_officers(coordinator, [by_email[email] for email, _days in KEY_OFFICERS])
    seed_assignments(coordinator, by_email, ids)
    return logins


# Fictional colleagues (no log-in) whose graded attempts give the item analysis something to show.
DEMO_COLLEAGUES = ("Anders Kjær", "Birgitte Lund", "Camilla Ravn", "Dennis Bak", "Eva Storm",
                   "Frederik Hald", "Gitte Mose", "Henrik Falk", "Ida Brink", "Jakob Thorup",
                   "Karina Vest", "Lars Hvid")


def _demo_answers(attempt, rows, quiz, rng: random.Random, skill: float) -> MultiDict:
    """Answers that are right with probability skill, through the same checks as the web form."""
    form = {}
    for row in rows:
        question, order = quiz.question(row.question_id), json.loads(row.option_order)
        right = rng.random() < skill
        if question.type == "ordering":
            wanted = [o.id for o in question.options] if right else rng.sample(order, len(order))
            form.update({f"a{row.position}-{k}": str(wanted.index(option_id) + 1)
                         for k, option_id in enumerate(order, start=1)})
            continue
        picks = [o.id for o in question.options if o.correct == right] or order[:1]
        picks = picks if question.type == "multiple" else [rng.choice(picks)]
        form[f"a{row.position}"] = [option_token(attempt.seed, row.question_id, p) for p in picks]
    return MultiDict(form)


def seed_quiz_history(unit_ids: dict[str, int]) -> None:
    """Each fictional colleague takes every quiz once, some better prepared than others."""
    rng, teams = random.Random(2026), [unit_ids["SJYL-PAT-HOR"], unit_ids["SJYL-PAT-VEJ"],
                                       unit_ids["SJYL-SC"], unit_ids["SJYL-EFT-VEJ"]]
    for number, name in enumerate(DEMO_COLLEAGUES):
        user = accounts.create_user(name, f"colleague{number + 1}@demo.elearn", [Role.LEARNER],
                                    unit_id=teams[number % len(teams)])
        for quiz in quizzes.quiz_bank().quizzes.values():
            module = catalogue().module(quiz.module)
            attempt = quizzes.start_attempt(user.id, quiz, module, AttemptMode.GRADED, utcnow())
            rows = quizzes.questions_of(attempt)
            form = _demo_answers(attempt, rows, quiz, rng, skill=0.45 + 0.05 * number)
            submission.save_answers(attempt, rows,
                                    answers.parse(form, attempt.seed, rows, quiz.index), utcnow())
            submission.submit(attempt, quiz, module, utcnow())
    db.session.commit()


# (e-mail, how many days ago they attended the path's workshop, which completed their certificate):
# a valid key officer, one whose certificate expires within a month, one whose expired a month ago.
KEY_OFFICERS = (("detective@demo.elearn", 60), ("detective2@demo.elearn", 700),
                ("patrol2@demo.elearn", 760))


def _pass_quiz(user, module, rng: random.Random) -> None:
    quiz = quizzes.quiz_bank().quiz(module.quiz)
    attempt = quizzes.start_attempt(user.id, quiz, module, AttemptMode.GRADED, utcnow())
    rows = quizzes.questions_of(attempt)
    form = _demo_answers(attempt, rows, quiz, rng, skill=1.0)
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index),
                            utcnow())
    submission.submit(attempt, quiz, module, utcnow())


def _attend(coordinator, user, workshop_slug: str, days_ago: int) -> None:
    plan = workshop_demo.session_plan(workshop_slug, coordinator.unit_id, -days_ago, 12, coordinator)
    session = scheduling.schedule(coordinator, plan, plan.starts_at - timedelta(days=30))
    registration = workshops.register(session, user, plan.starts_at - timedelta(days=7))
    workshops.mark_attendance(registration, True, coordinator.id, plan.starts_at)


def seed_key_officers(coordinator, people) -> None:
    """Each person reads the key-officer path's modules and passes their quizzes today, and has
    attended its workshops on past days: the attendance marked last (the most recent workshop)
    issues the certificate as of that day (through the same services and event as in real use)."""
    path = next((p for p in certifying_paths() if p.certification.directory), None)
    if path is None or not path.certification.workshops:
        return
    rng = random.Random(7)
    for user, (_email, days_ago) in zip(people, KEY_OFFICERS, strict=True):
        for module in (catalogue().modules[slug] for slug in path.modules):
            for section_id in module.section_ids:
                progress.mark_read(user.id, module, section_id)
            if module.quiz:
                _pass_quiz(user, module, rng)
        for days_before, slug in reversed(list(enumerate(reversed(path.certification.workshops)))):
            _attend(coordinator, user, slug, days_ago + days_before)
    people[0].work_phone = "+45 76 28 14 48"
    db.session.commit()


# The recruits' cohort: the learner login is overdue with its first module; the other two have done it.
COHORT_MEMBERS = ("learner@demo.elearn", "callhandler2@demo.elearn", "patrol2@demo.elearn")


def seed_assignments(coordinator, by_email: dict, unit_ids: dict[str, int]) -> None:
    """A cohort of recruits and three assignments, made through the services as a coordinator would:
    the key-officer path to the investigation centre (due in two months), the first module to the
    cohort (set a month ago, due five days ago) and another path to the cohort (due in four months)."""
    now, rng = utcnow(), random.Random(11)
    key_path = next((p for p in certifying_paths() if p.certification.directory), None)
    other_path = next((p for p in catalogue().paths if p is not key_path), None)
    if key_path is None or not key_path.modules:
        return
    cohort = cohorts.create_cohort(coordinator, "Politielever, efterår 2027", unit_ids["SJYL"])
    for email in COHORT_MEMBERS:
        cohorts.add_member(coordinator, cohort, email)
    first = catalogue().module(key_path.modules[0])
    for section_id in first.section_ids:
        progress.mark_read(by_email["callhandler2@demo.elearn"].id, first, section_id)
    if first.quiz:
        _pass_quiz(by_email["callhandler2@demo.elearn"], first, rng)
    today = local_date(now)
    assignments.create_assignment(coordinator, assignments.Target(TargetKind.PATH, key_path.slug),
                                  Audience.UNIT, unit_ids["SJYL-EFT"], today + timedelta(days=61), now)
    assignments.create_assignment(coordinator, assignments.Target(TargetKind.MODULE, first.slug),
                                  Audience.COHORT, cohort.id, today - timedelta(days=5),
                                  now - timedelta(days=30))
    if other_path is not None:
        assignments.create_assignment(coordinator, assignments.Target(TargetKind.PATH, other_path.slug),
                                      Audience.COHORT, cohort.id, today + timedelta(days=120), now)
    db.session.commit()
