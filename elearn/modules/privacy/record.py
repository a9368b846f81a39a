"""A person's own complete training record: what the coordinators' learner record shows (reused from
reports.record), and what only the person may see of themselves: their account settings, the options
they chose in each quiz attempt, the workshop feedback and knowledge needs they wrote, the e-mails
sent to them, their log-ins, the audit events about them and, counted per month, what they did to
others (never to whom). Never a secret: no password hash,
TOTP secret, session token or identity-provider subject, and nothing of another person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel.speaklater import LazyString
from markupsafe import Markup
from sqlalchemy import Text, cast, func, or_, select

from elearn.extensions import db
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.assignments.queries import LearnerAssignment
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import LoginSession, User, coordinator_unit
from elearn.modules.certification.models import CertificateAward
from elearn.modules.outbox.models import OutboxMessage
from elearn.modules.quizzes.models import AttemptQuestion, AttemptState, QuizAttempt
from elearn.modules.quizzes.pages import true_false_labels
from elearn.modules.quizzes.services import quiz_bank
from elearn.modules.quizzes.sheets import review_line
from elearn.modules.reports import record as records
from elearn.modules.units.models import Unit
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.models import (
    Feedback,
    KnowledgeNeed,
    Registration,
    SessionState,
    WorkshopSession,
)


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    email: str
    unit: str | None
    roles: tuple
    locale: str | None
    work_phone: str
    work_email: str
    created_at: datetime
    last_login_at: datetime | None
    active: bool
    two_factor: bool
    single_sign_on: bool
    coordinated_units: tuple[str, ...]
    cohorts: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    number: str
    question: Markup | str
    given: tuple[Markup | str, ...]
    stored: object  # the answer as stored: an option id, a list of ids, or each option's place
    score: float | None
    state: str  # correct / partly / wrong / unanswered, or not-graded in an attempt not submitted
    removed: bool  # removed after the retention period


@dataclass(frozen=True)
class Attempt:
    line: records.AttemptLine
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class WorkshopPlace:
    theme: str
    starts_at: datetime
    place: str
    state: object
    session_cancelled: bool
    checked_in_at: datetime | None
    cancel_reason: str
    rating: int | None
    useful: str
    missing: str


@dataclass(frozen=True)
class Need:
    topic: str
    why: str
    workshop: str
    status: object
    created_at: datetime


@dataclass(frozen=True)
class Event:
    """An audit event about the person (by them or by someone else)."""
    created_at: datetime
    action: str
    subject: str
    by_me: bool
    details: dict


@dataclass(frozen=True)
class ActionCount:
    """How often the person did something to others in a month: never to whom."""
    month: str  # YYYY-MM
    action: str
    count: int


@dataclass(frozen=True)
class Message:
    subject: str
    status: object
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class LogIn:
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class OwnRecord:
    account: Account
    modules: list[records.ModuleLine]
    attempts: list[Attempt]
    workshops: list[WorkshopPlace]
    needs: list[Need]
    certificates: list[records.CertificateLine]
    assignments: list[LearnerAssignment]
    events: list[Event]
    actions_on_others: list[ActionCount]
    messages: list[Message]
    log_ins: list[LogIn]


def _account(user_id: int, roles: tuple) -> Account:
    user = db.session.get(User, user_id)
    coordinated = db.session.scalars(
        select(Unit.name).join(coordinator_unit, coordinator_unit.c.unit_id == Unit.id)
        .where(coordinator_unit.c.user_id == user_id).order_by(Unit.name))
    cohorts = db.session.scalars(
        select(Cohort.name).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id).order_by(Cohort.name))
    return Account(user.id, user.name, user.email, user.unit.name if user.unit else None, roles,
                   user.locale, user.work_phone, user.work_email, user.created_at, user.last_login_at,
                   user.active, user.totp_enabled_at is not None, user.sso_subject is not None,
                   tuple(coordinated), tuple(cohorts))


def _answer(row: AttemptQuestion, quiz, locale: str, labels: dict, graded: bool) -> Answer:
    """One question as the person's review shows it, without the correct options."""
    stored = json.loads(row.answer) if row.answer else None
    question = quiz.question(row.question_id) if quiz else None
    number = str(row.position)
    if question is None:  # taken out of the pool since: the answer as stored
        state = "unanswered" if stored is None else ""
    else:
        parent = quiz.question(row.parent_id) if row.parent_id else None
        line = review_line(row, question, quiz, number, locale, False, labels, parent)
        state = line.state
    if not graded and state != "unanswered":
        state = "not-graded"
    if question is None:
        return Answer(number, row.question_id, (), stored, row.score, state, False)
    return Answer(number, line.text, line.given, stored, row.score if graded else None, state,
                  line.answer_removed)


def _answers(user_id: int, locale: str) -> dict[int, tuple[Answer, ...]]:
    """Per attempt id, what the person answered to each question drawn (attempts not submitted too,
    without a grade)."""
    rows = db.session.execute(select(AttemptQuestion, QuizAttempt.quiz_slug, QuizAttempt.state)
                              .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
                              .where(QuizAttempt.user_id == user_id)
                              .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)).all()
    labels = true_false_labels()
    result: dict[int, list[Answer]] = {}
    for row, slug, state in rows:
        result.setdefault(row.attempt_id, []).append(
            _answer(row, quiz_bank().quiz(slug), locale, labels, state is AttemptState.SUBMITTED))
    return {attempt_id: tuple(answers) for attempt_id, answers in result.items()}


def _void_attempts(user_id: int, locale: str) -> list[records.AttemptLine]:
    """The attempts left void when the quiz changed under them (the reports leave them out)."""
    rows = db.session.execute(
        select(QuizAttempt.quiz_slug, QuizAttempt.mode, QuizAttempt.state, QuizAttempt.started_at,
               QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.passed, QuizAttempt.id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.state == AttemptState.VOID))
    return [records.AttemptLine(records.quiz_title(r.quiz_slug, locale), r.mode, r.state, r.started_at,
                                r.submitted_at, None, None, r.id) for r in rows]


def _workshops(user_id: int, locale: str) -> list[WorkshopPlace]:
    themes = workshops()
    rows = db.session.execute(
        select(Registration, WorkshopSession, Feedback)
        .join(WorkshopSession, WorkshopSession.id == Registration.session_id)
        .outerjoin(Feedback, (Feedback.session_id == Registration.session_id)
                   & (Feedback.user_id == Registration.user_id))
        .where(Registration.user_id == user_id)
        .order_by(WorkshopSession.starts_at.desc(), Registration.id.desc())).all()
    return [WorkshopPlace(themes[s.workshop_slug].text(locale).title if s.workshop_slug in themes
                          else s.workshop_slug, s.starts_at, s.place, r.state,
                          s.state == SessionState.CANCELLED, r.checked_in_at, r.cancel_reason,
                          f.rating if f else None, f.useful if f else "", f.missing if f else "")
            for r, s, f in rows]


def _needs(user_id: int, locale: str) -> list[Need]:
    themes = workshops()
    rows = db.session.scalars(select(KnowledgeNeed).where(KnowledgeNeed.user_id == user_id)
                              .order_by(KnowledgeNeed.created_at.desc()))
    return [Need(n.topic, n.why, themes[n.workshop_slug].text(locale).title if n.workshop_slug in themes
                 else n.workshop_slug, n.status, n.created_at) for n in rows]


def _about(user_id: int):
    """Where the audit events about the person are: their account, their certificates, their
    registrations and their learner record's exports."""
    awards = select(CertificateAward.id).where(CertificateAward.user_id == user_id)
    registrations = select(Registration.id).where(Registration.user_id == user_id)
    subjects = [f"user:{user_id}", f"report:record-{user_id}"]
    subjects += [f"award:{i}" for i in db.session.scalars(awards)]
    subjects += [f"registration:{i}" for i in db.session.scalars(registrations)]
    return subjects


def _mentions(details: dict, user_id: int) -> bool:
    return details.get("user_id") == user_id or user_id in (details.get("user_ids") or ())


def _own_details(details: dict, user_id: int) -> dict:
    """An event's details without references to other people (an event by a coordinator names the
    people they acted on)."""
    kept = {key: value for key, value in details.items() if key not in ("user_id", "user_ids")}
    if _mentions(details, user_id):
        kept["user_id"] = user_id
    return kept


def _may_name(user_id: int):
    """Narrows the cohort events to those whose details may name the person in user_id or user_ids
    (as json.dumps writes them); _mentions then checks exactly."""
    text = cast(AuditEvent.details, Text)
    forms = (f'"user_id": {user_id}}}', f'"user_id": {user_id},', f"[{user_id}]", f"[{user_id},",
             f" {user_id},", f" {user_id}]")
    return AuditEvent.subject.startswith("cohort:") & or_(*(text.contains(form) for form in forms))


def _events(user_id: int, subjects: list[str]) -> list[Event]:
    """Audit events about the person (their account, certificates, registrations, record exports, and
    cohort changes that name them), by anyone, oldest first."""
    rows = db.session.scalars(select(AuditEvent).where(or_(AuditEvent.subject.in_(subjects),
                                                           _may_name(user_id)))
                              .order_by(AuditEvent.created_at, AuditEvent.id))
    return [Event(e.created_at, e.action, e.subject, e.actor_id == user_id,
                  _own_details(e.details or {}, user_id))
            for e in rows if e.subject in subjects or _mentions(e.details or {}, user_id)]


def _month(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _actions_on_others(user_id: int, subjects: list[str], events: list[Event]) -> list[ActionCount]:
    """What the person did to others, counted per month and action: what and when, never to whom."""
    month = _month(AuditEvent.created_at)
    rows = db.session.execute(select(month, AuditEvent.action, func.count())
                              .where(AuditEvent.actor_id == user_id, AuditEvent.subject.not_in(subjects))
                              .group_by(month, AuditEvent.action).order_by(month, AuditEvent.action))
    counts = {(row[0], row[1]): row[2] for row in rows}
    for event in events:  # a cohort change that names the person is listed among the events
        key = (f"{event.created_at:%Y-%m}", event.action)
        if event.by_me and event.subject not in subjects and key in counts:
            counts[key] -= 1
    return [ActionCount(month, action, count) for (month, action), count in counts.items() if count]


def _messages(user_id: int) -> list[Message]:
    rows = db.session.execute(select(OutboxMessage.subject, OutboxMessage.status, OutboxMessage.created_at,
                                     OutboxMessage.sent_at).where(OutboxMessage.user_id == user_id)
                              .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return [Message(*row) for row in rows]


def _log_ins(user_id: int) -> list[LogIn]:
    rows = db.session.execute(select(LoginSession.created_at, LoginSession.ended_at)
                              .where(LoginSession.user_id == user_id)
                              .order_by(LoginSession.created_at.desc()))
    return [LogIn(*row) for row in rows]


def own_record(user_id: int, now: datetime, locale: str) -> OwnRecord:
    """Everything stored about the person, for the person."""
    shared = records.record(user_id, None, now, locale)
    answers = _answers(user_id, locale)
    lines = sorted(shared.attempts + _void_attempts(user_id, locale),
                   key=lambda line: (line.started_at, line.id), reverse=True)
    subjects = _about(user_id)
    events = _events(user_id, subjects)
    return OwnRecord(_account(user_id, shared.person.roles), shared.modules,
                     [Attempt(line, answers.get(line.id, ())) for line in lines],
                     _workshops(user_id, locale), _needs(user_id, locale), shared.certificates,
                     shared.assignments, events, _actions_on_others(user_id, subjects, events),
                     _messages(user_id), _log_ins(user_id))


def _plain(value):
    """A JSON-ready copy: dates as ISO 8601, texts without markup, enums as their values."""
    if isinstance(value, Markup):
        return value.striptags()
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def as_json(data: OwnRecord, now: datetime) -> dict:
    """The record as one JSON document (format 1)."""
    document = _plain(data)
    for attempt in document["attempts"]:
        attempt.update(attempt.pop("line"))
    return {"format": 1, "exported_at": now.isoformat(), **document}
