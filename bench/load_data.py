"""The load test's data set and its reckoning: the district demo plus the simulated users and workshop
sessions with few seats, made in-process before the app servers start; afterwards, the rows the run
wrote, compared with the client's ledger (see load_users.Ledger)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from sqlalchemy import func, select

from elearn import create_app, demo
from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import Role, User, UserRole
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.services import certifying_paths
from elearn.modules.courses.services import catalogue
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.models import AttemptQuestion, AttemptState, QuizAttempt
from elearn.modules.units.models import Unit
from elearn.modules.workshops import scheduling
from elearn.modules.workshops.demo_data import session_plan
from elearn.modules.workshops.models import Registration, RegistrationState, WorkshopSession

PASSWORD = "load test passphrase for every simulated user"  # noqa: S105  (a throwaway data set)
DOMAIN = "load.elearn"
#: The path whose last quiz the "nearly done" learners pass during the run, earning its certificate.
NEAR_PATH = "servicecenter"
LAST_QUIZ = "consent-referral"
#: (workshop slug, days ahead, seats) of the sessions the learners compete for.
SESSIONS = (("consent-and-referral", 20, 8), ("knowledge-seminar", 24, 12), ("sam-training", 31, 10),
            ("digital-stalking", 38, 15), ("servicecenter-theme-day", 45, 6),
            ("communicating-with-perpetrators", 52, 20))
TEAMS = ("SJYL-PAT-HOR", "SJYL-PAT-VEJ", "SJYL-SC", "SJYL-EFT-VEJ", "SJYL-EFT-HOR")


@dataclass
class DataSet:
    learners: list[str]  # e-mail addresses
    near_done: list[str]  # learners with every step of NEAR_PATH but its last quiz behind them
    coordinators: list[str]
    sessions: list[int]
    answer_key: dict  # quiz slug -> {(question text, option text): correct} and orderings
    baseline: dict = field(default_factory=dict)  # highest ids before the run


def app_for(url: str, content: str, folder: str):
    """An in-process app on the same database as the servers, for seeding and counting."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load-seed", "CONTENT_DIR": content,
                       "CONTENT_CACHE_DIR": folder, "PASSWORD_HASH_PROFILE": "fast",
                       "BABEL_DEFAULT_LOCALE": "en", "RATELIMIT_ENABLED": False})


def plain(text) -> str:
    """Text of an HTML fragment: no tags, entities resolved, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(text))).split())


def answer_key() -> dict:
    """What a well-prepared learner knows: per quiz, whether each option of each question is right
    (true/false options under their English labels) and each ordering's steps in order."""
    key: dict = {}
    for slug, quiz in quizzes.quiz_bank().quizzes.items():
        choices, orders = {}, {}
        for question in quiz.index.values():
            if question.parts:
                continue
            text = plain(question.text("en"))
            if question.type == "ordering":
                orders[text] = [plain(o.text("en")) for o in question.options]
                continue
            for option in question.options:
                label = plain(option.text("en")) if option.text else option.id.capitalize()
                choices[(text, label)] = option.correct
        key[slug] = {"choices": choices, "orders": orders}
    return key


def _add_users(count: int, prefix: str, roles: tuple[Role, ...], units: dict[str, int]) -> list[str]:
    hashed = PasswordHasher().hash(PASSWORD)  # the servers' "strong" profile: a real log-in's cost
    rows = [{"name": f"{prefix.capitalize()} {n:03d}", "email": f"{prefix}{n:03d}@{DOMAIN}",
             "password_hash": hashed, "unit_id": units[TEAMS[n % len(TEAMS)] if Role.COORDINATOR not in roles
                                                         else "SJYL"], "active": True}
            for n in range(1, count + 1)]
    ids = list(db.session.execute(db.insert(User).returning(User.id, sort_by_parameter_order=True),
                                  rows).scalars())
    db.session.execute(db.insert(UserRole), [{"user_id": i, "role": r} for i in ids for r in roles])
    return [row["email"] for row in rows]


def _nearly_done(emails: list[str]) -> None:
    """Every section of NEAR_PATH's modules read and every quiz but LAST_QUIZ passed, through the
    services (as demo.seed does for its key officers)."""
    import random

    path = next(p for p in catalogue().paths if p.slug == NEAR_PATH)
    rng = random.Random(5)
    for user in db.session.scalars(select(User).where(User.email.in_(emails))):
        for module in (catalogue().modules[slug] for slug in path.modules):
            for section_id in module.section_ids:
                progress.mark_read(user.id, module, section_id)
            if module.quiz and module.quiz != LAST_QUIZ:
                demo._pass_quiz(user, module, rng)
    db.session.commit()


def build(app, users: int, coordinators: int, near_share: float) -> DataSet:
    """Seed the demo and the simulated users; returns who they are and the sessions they compete for."""
    with app.app_context():
        demo.seed()
        units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
        learners = _add_users(users - coordinators, "learner", (Role.LEARNER,), units)
        staff = _add_users(coordinators, "coordinator", (Role.LEARNER, Role.COORDINATOR), units)
        db.session.commit()
        near = learners[: int(len(learners) * near_share)]
        _nearly_done(near)
        organiser = db.session.scalar(select(User).where(User.email == "coordinator@demo.elearn"))
        sessions = []
        for slug, days, seats in SESSIONS:
            plan = session_plan(slug, organiser.unit_id, days, seats, organiser)
            sessions.append(scheduling.schedule(organiser, plan, utcnow()).id)
        db.session.commit()
        data = DataSet(learners, near, staff, sessions, answer_key())
        data.baseline = {name: db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
                         for name, model in (("attempt", QuizAttempt), ("outbox", OutboxMessage),
                                             ("award", CertificateAward))}
        db.session.remove()
        db.engine.dispose()
    return data


#: The first line of each registration e-mail in English: its kind.
MAIL_KINDS = {"You are registered:": "registered", "You are on the waiting list:": "waitlisted",
              "A place is free:": "promoted", "Cancelled:": "cancelled",
              "Certificate issued:": "issued"}
SESSION_IN_BODY = re.compile(r"/workshops/sessions/(\d+)")


def _kind(subject: str) -> str:
    return next((kind for start, kind in MAIL_KINDS.items() if subject.startswith(start)), "other")


@dataclass
class Reckoning:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def check(self, name: str, problems: list[str], detail: str) -> None:
        shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")
        self.checks.append((name, not problems, shown or detail))


def reckon(app, data: DataSet, ledger) -> Reckoning:
    """Compare the database with what the clients saw succeed."""
    result = Reckoning()
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id).where(
            User.email.like(f"%@{DOMAIN}"))).all())
        emails = {v: k for k, v in ids.items()}
        _attempts(result, data, ledger, emails)
        _registrations(result, data, ledger, emails)
        _mail_and_awards(result, data, ledger, emails)
        db.session.remove()
        db.engine.dispose()
    return result


def _attempts(result: Reckoning, data: DataSet, ledger, emails: dict) -> None:
    rows = db.session.execute(select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.state).where(
        QuizAttempt.id > data.baseline["attempt"], QuizAttempt.user_id.in_(list(emails)))).all()
    in_db = {row.id: row for row in rows}
    submitted = {i for i, row in in_db.items() if row.state is AttemptState.SUBMITTED}
    started, done = set(ledger.attempts_started), set(ledger.attempts_submitted)
    problems = [f"attempt {i} started by the client is missing" for i in sorted(started - set(in_db))]
    problems += [f"attempt {i} in the database the client never started"
                 for i in sorted(set(in_db) - started)]
    problems += [f"attempt {i} of {emails[in_db[i].user_id]} started as "
                 f"{ledger.attempts_started[i]}" for i in sorted(started & set(in_db))
                 if emails[in_db[i].user_id] != ledger.attempts_started[i]]
    problems += [f"attempt {i} submitted by the client is {in_db[i].state.value}" for i in sorted(done)
                 if i in in_db and i not in submitted]
    problems += [f"attempt {i} is submitted but the client never submitted it"
                 for i in sorted(submitted - done)]
    result.check("quiz attempts: every one the client started, none else", problems,
                 f"{len(started)} started, {len(done)} submitted; the database has {len(in_db)} new")
    answered = dict(db.session.execute(
        select(AttemptQuestion.attempt_id, func.count()).where(
            AttemptQuestion.attempt_id.in_(list(ledger.answers) or [0]),
            AttemptQuestion.answer.is_not(None)).group_by(AttemptQuestion.attempt_id)).all())
    lost = [f"attempt {i}: {n} answers saved by the client, {answered.get(i, 0)} stored"
            for i, n in sorted(ledger.answers.items()) if answered.get(i, 0) != n]
    result.check("quiz answers: every answer saved is stored", lost,
                 f"{sum(ledger.answers.values())} answers in {len(ledger.answers)} attempts")
    result.counts.update(attempts=len(in_db), submitted=len(submitted), answers=sum(answered.values()))


def _registrations(result: Reckoning, data: DataSet, ledger, emails: dict) -> None:
    rows = db.session.execute(select(Registration.session_id, Registration.user_id, Registration.state)
                              .where(Registration.user_id.in_(list(emails)))).all()
    in_db = {(row.session_id, emails[row.user_id]): row.state for row in rows}
    problems = []
    for key in sorted(set(ledger.registrations) | set(in_db)):
        state, cancelled = in_db.get(key), key in ledger.cancellations
        if key not in ledger.registrations:
            problems.append(f"{key[1]} in session {key[0]}: a registration the client never made")
        elif state is None:
            problems.append(f"{key[1]} in session {key[0]}: the registration is lost")
        elif cancelled != (state is RegistrationState.CANCELLED):
            problems.append(f"{key[1]} in session {key[0]}: {state.value}, the client "
                            f"{'cancelled' if cancelled else 'did not cancel'}")
    result.check("registrations: every one made, each cancellation kept", problems,
                 f"{len(ledger.registrations)} registrations, {len(ledger.cancellations)} cancelled")
    seats = dict(db.session.execute(select(WorkshopSession.id, WorkshopSession.capacity)).all())
    places = db.session.execute(select(Registration.session_id, Registration.state, func.count())
                                .group_by(Registration.session_id, Registration.state)).all()
    tally: dict[int, dict] = {}
    for session_id, state, count in places:
        tally.setdefault(session_id, {})[state] = count
    overfull = []
    for session_id in data.sessions:
        held = tally.get(session_id, {}).get(RegistrationState.REGISTERED, 0)
        waiting = tally.get(session_id, {}).get(RegistrationState.WAITLISTED, 0)
        if held > seats[session_id] or (waiting and held < seats[session_id]):
            overfull.append(f"session {session_id}: {held} of {seats[session_id]} seats, {waiting} waiting")
    result.check("workshop seats: never overfilled, no free seat while people wait", overfull,
                 ", ".join(f"session {s}: {_held(tally, s)}/{seats[s]} seats"
                           f" +{tally.get(s, {}).get(RegistrationState.WAITLISTED, 0)} waiting"
                           for s in data.sessions))
    result.counts.update(registrations=len(in_db))


def expected_awards(data: DataSet, ledger) -> set[tuple[str, str]]:
    """(e-mail, path) of every certificate without workshops whose modules the learner has now read
    and passed: what was seeded (the nearly done) plus what the server confirmed during the run."""
    near = next(p for p in catalogue().paths if p.slug == NEAR_PATH)
    seeded_read = {(slug, s) for slug in near.modules for s in catalogue().modules[slug].section_ids}
    seeded_passed = {catalogue().modules[slug].quiz for slug in near.modules} - {LAST_QUIZ}
    expected = set()
    for who in set(ledger.read) | set(ledger.passed) | set(data.near_done):
        seeded = who in data.near_done
        read = ledger.read.get(who, set()) | (seeded_read if seeded else set())
        passed = ledger.passed.get(who, set()) | (seeded_passed if seeded else set())
        for path in certifying_paths():
            if path.certification.workshops:
                continue
            modules = [catalogue().modules[slug] for slug in path.modules]
            if all({(m.slug, s) for s in m.section_ids} <= read and (not m.quiz or m.quiz in passed)
                   for m in modules):
                expected.add((who, path.slug))
    return expected


def _held(tally: dict, session_id: int) -> int:
    return tally.get(session_id, {}).get(RegistrationState.REGISTERED, 0)


def _mail_and_awards(result: Reckoning, data: DataSet, ledger, emails: dict) -> None:
    messages = db.session.execute(select(OutboxMessage.user_id, OutboxMessage.subject, OutboxMessage.body,
                                         OutboxMessage.attachments).where(
        OutboxMessage.id > data.baseline["outbox"], OutboxMessage.user_id.in_(list(emails)))).all()
    mail: dict[tuple, list] = {}
    for message in messages:
        kind, found = _kind(message.subject), SESSION_IN_BODY.search(message.body)
        thing = int(found.group(1)) if found and kind != "issued" else None
        mail.setdefault((thing, emails[message.user_id], kind), []).append(bool(message.attachments))
    states = dict(((row.session_id, emails[row.user_id]), row.state) for row in db.session.execute(
        select(Registration.session_id, Registration.user_id, Registration.state)
        .where(Registration.user_id.in_(list(emails)))))
    problems = [f"{who}: {len(sent)} × {kind}" + (f" for session {thing}" if thing else "")
                for (thing, who, kind), sent in sorted(mail.items(), key=str) if len(sent) > 1]
    for key in sorted(ledger.registrations):
        session_id, who = key

        def sent(kind, session_id=session_id, who=who):
            return mail.get((session_id, who, kind), [])
        if len(sent("registered")) + len(sent("waitlisted")) != 1:
            problems.append(f"{who}, session {session_id}: {len(sent('registered'))} registered and "
                            f"{len(sent('waitlisted'))} waiting-list e-mails, 1 expected")
        if len(sent("cancelled")) != (key in ledger.cancellations):
            problems.append(f"{who}, session {session_id}: {len(sent('cancelled'))} cancellation e-mails")
        held = states.get(key) is RegistrationState.REGISTERED or any(sent("cancelled"))
        promoted = bool(sent("waitlisted")) and held
        if len(sent("promoted")) != promoted:
            problems.append(f"{who}, session {session_id}: {len(sent('promoted'))} promotion e-mails, "
                            f"{int(promoted)} expected")
    result.check("e-mails: one per registration change, none twice", problems,
                 f"{len(messages)} e-mails to the simulated users")
    awards = db.session.execute(select(CertificateAward.user_id, CertificateAward.path_slug).where(
        CertificateAward.user_id.in_(list(emails)))).all()
    held = {}
    for user_id, path in awards:
        held.setdefault((emails[user_id], path), 0)
        held[(emails[user_id], path)] += 1
    expected = expected_awards(data, ledger)
    problems = [f"{who}: {count} awards of {path}" for (who, path), count in held.items() if count > 1]
    problems += [f"{who}: no {path} certificate after completing it" for who, path in expected - set(held)]
    problems += [f"{who}: an unexpected {path} certificate" for who, path in set(held) - expected]
    problems += [f"{who}: {len(mail.get((None, who, 'issued'), []))} certificate e-mails"
                 for who, _path in expected if len(mail.get((None, who, "issued"), [])) != 1]
    result.check("certificates: one award and one e-mail per learner who completed a path", problems,
                 f"{len(expected)} expected, {len(held)} in the database")
    result.counts.update(awards=len(held), emails=len(messages))
