"""A learner's full record on one page: who they are, every module of the catalogue with its status,
their quiz attempts (scores only: never questions or answers), workshop registrations, certificates
and open assignments. Nine statements whatever the number of modules, attempts or registrations.

The export is one table: a row per line of the page, with a Section column saying which part it
belongs to and generic columns (What, State, Date, Date of, Score, Detail)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from elearn.clock import local_date
from elearn.errors import NotFound
from elearn.extensions import db
from elearn.modules.admin.forms import ROLE_LABELS
from elearn.modules.assignments.pages import STATE_LABELS as ASSIGNMENT_STATE_LABELS
from elearn.modules.assignments.queries import LearnerAssignment, for_learner
from elearn.modules.auth.models import Role, User, UserRole
from elearn.modules.certification.eligibility import AwardState, award_state, valid_until
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.pages import AWARD_STATE_LABELS
from elearn.modules.courses.pages import STATUS_LABELS
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.progress.services import Status
from elearn.modules.quizzes.models import AttemptMode, AttemptState, QuizAttempt
from elearn.modules.quizzes.services import quiz_bank
from elearn.modules.reports.tables import Column, Kind, Table
from elearn.modules.units.models import Unit
from elearn.modules.workshops.loader import workshops
from elearn.modules.workshops.models import Registration, RegistrationState, SessionState, WorkshopSession
from elearn.modules.workshops.services import STATE_LABELS as REGISTRATION_LABELS

MODE_LABELS = {AttemptMode.GRADED: _l("Graded"), AttemptMode.REFRESHER: _l("Refresher")}
SECTION_LABELS = {"person": _l("Person"), "module": _l("Module"), "attempt": _l("Attempt"),
                  "workshop": _l("Workshop"), "certificate": _l("Certificate"),
                  "assignment": _l("Assignment")}
#: The words for each state on the page (the same as in the export and on the learners' own pages).
LABELS = {"module": STATUS_LABELS, "mode": MODE_LABELS, "workshop": REGISTRATION_LABELS,
          "certificate": AWARD_STATE_LABELS, "assignment": ASSIGNMENT_STATE_LABELS, "role": ROLE_LABELS}
COLUMNS = (Column("section", _l("Section")), Column("what", _l("What")), Column("state", _l("State")),
           Column("date", _l("Date"), Kind.DATE), Column("date_of", _l("What the date is")),
           Column("score", _l("Score"), Kind.PERCENT), Column("detail", _l("Detail")))


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    unit: str | None
    active: bool
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class ModuleLine:
    slug: str
    title: str
    status: Status
    completed_at: datetime | None  # of the completion the status is about
    best_score: float | None  # best graded score at the current major version (as the matrix shows)
    completed_earlier: bool = False  # completed_at is of an older major version (status outdated)


@dataclass(frozen=True)
class AttemptLine:
    quiz: str
    mode: AttemptMode
    state: AttemptState
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    passed: bool | None
    id: int = 0  # the attempt's (the learner's own record adds its answers by it)


@dataclass(frozen=True)
class WorkshopLine:
    theme: str
    starts_at: datetime
    state: RegistrationState
    session_cancelled: bool


@dataclass(frozen=True)
class CertificateLine:
    path: str
    number: str
    issued_at: datetime
    valid_until: date
    state: AwardState
    revision: int


@dataclass(frozen=True)
class Record:
    person: Person
    modules: list[ModuleLine]
    attempts: list[AttemptLine]
    workshops: list[WorkshopLine]
    certificates: list[CertificateLine]
    assignments: list[LearnerAssignment]


def person(user_id: int, scope: set[int] | None) -> Person:
    """The person if their unit is in scope (None: any); raises NotFound otherwise, so an edited id
    reveals nothing. Deactivated people in scope are found too (their record is history)."""
    row = db.session.execute(select(User.id, User.name, User.email, User.unit_id, User.active,
                                    Unit.name.label("unit")).outerjoin(Unit, Unit.id == User.unit_id)
                             .where(User.id == user_id)).first()
    if row is None or (scope is not None and row.unit_id not in scope):
        raise NotFound(_l("No such person in your units."))
    held = set(db.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
    return Person(row.id, row.name, row.email, row.unit, row.active,
                  tuple(role for role in Role if role in held))


def _modules(user_id: int, locale: str) -> list[ModuleLine]:
    modules = list(catalogue().modules.values())
    states = progress.states(user_id, modules)
    rows = db.session.execute(select(ModuleProgress.module_slug, ModuleProgress.major_version,
                                     ModuleProgress.completed_at, ModuleProgress.best_score)
                              .where(ModuleProgress.user_id == user_id)).all()
    lines = []
    for module in modules:
        status = states[module.slug].status
        mine = [r for r in rows if r.module_slug == module.slug]
        current = next((r for r in mine if r.major_version == module.version.major), None)
        completed_at = current and current.completed_at
        if status is Status.OUTDATED:
            older = max((r for r in mine if r.completed_at), key=lambda r: r.major_version, default=None)
            completed_at = older and older.completed_at
        lines.append(ModuleLine(module.slug, module.text(locale).title, status, completed_at,
                                current and current.best_score, status is Status.OUTDATED))
    return lines


def quiz_title(slug: str, locale: str) -> str:
    quiz = quiz_bank().quiz(slug)
    return quiz.title(locale).striptags() if quiz else slug


def _attempts(user_id: int, locale: str) -> list[AttemptLine]:
    """Graded and refresher attempts, newest first; void ones (the quiz changed under them) left out.
    Only what an attempt scored, never what was asked or answered."""
    rows = db.session.execute(
        select(QuizAttempt.quiz_slug, QuizAttempt.mode, QuizAttempt.state, QuizAttempt.started_at,
               QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.passed, QuizAttempt.id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.state != AttemptState.VOID)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc()))
    return [AttemptLine(quiz_title(r.quiz_slug, locale), r.mode, r.state, r.started_at, r.submitted_at,
                        r.score, r.passed, r.id) for r in rows]


def _workshops(user_id: int, locale: str) -> list[WorkshopLine]:
    themes = workshops()
    rows = db.session.execute(
        select(WorkshopSession.workshop_slug, WorkshopSession.starts_at, WorkshopSession.state,
               Registration.state.label("registration"))
        .join(Registration, Registration.session_id == WorkshopSession.id)
        .where(Registration.user_id == user_id)
        .order_by(WorkshopSession.starts_at.desc(), Registration.id.desc()))
    return [WorkshopLine(themes[r.workshop_slug].text(locale).title if r.workshop_slug in themes
                         else r.workshop_slug, r.starts_at, r.registration,
                         r.state == SessionState.CANCELLED) for r in rows]


def _award_state(path_slug: str, expires_at: datetime, revoked_at: datetime | None,
                 now: datetime) -> AwardState:
    path = catalogue().path(path_slug)
    if path is not None and path.certification is not None:
        return award_state(path.certification, expires_at, revoked_at, now)
    if revoked_at is not None:
        return AwardState.REVOKED
    return AwardState.EXPIRED if now >= expires_at else AwardState.VALID


def _certificates(user_id: int, now: datetime, locale: str) -> list[CertificateLine]:
    rows = db.session.execute(
        select(CertificateAward.path_slug, CertificateAward.number, CertificateAward.issued_at,
               CertificateAward.expires_at, CertificateAward.revoked_at, CertificateAward.revision)
        .where(CertificateAward.user_id == user_id).order_by(CertificateAward.issued_at))
    lines = []
    for r in rows:
        path = catalogue().path(r.path_slug)
        lines.append(CertificateLine(path.title(locale) if path else r.path_slug, r.number, r.issued_at,
                                     valid_until(r.expires_at),
                                     _award_state(r.path_slug, r.expires_at, r.revoked_at, now),
                                     r.revision))
    return lines


def record(user_id: int, scope: set[int] | None, now: datetime, locale: str) -> Record:
    """The person's record (NotFound when they are not in scope)."""
    return Record(person(user_id, scope), _modules(user_id, locale), _attempts(user_id, locale),
                  _workshops(user_id, locale), _certificates(user_id, now, locale),
                  for_learner(user_id, now, locale))


def _attempt_state(line: AttemptLine):
    if line.state is AttemptState.IN_PROGRESS:
        return _l("In progress")
    return _l("Passed") if line.passed else _l("Not passed")


def _rows(data: Record) -> Iterator[tuple]:
    who = data.person
    roles = ", ".join(str(ROLE_LABELS[role]) for role in who.roles)
    yield (SECTION_LABELS["person"], who.name, _l("Active") if who.active else _l("Deactivated"),
           None, "", None, "; ".join(part for part in (who.email, who.unit or "", roles) if part))
    for m in data.modules:
        done = (_l("completed (earlier version)") if m.completed_earlier else _l("completed")) \
            if m.completed_at else ""
        yield (SECTION_LABELS["module"], m.title, STATUS_LABELS[m.status],
               m.completed_at and local_date(m.completed_at), done, m.best_score, "")
    for a in data.attempts:
        moment, what = (a.submitted_at, _l("submitted")) if a.submitted_at else (a.started_at, _l("started"))
        yield (SECTION_LABELS["attempt"], a.quiz, _attempt_state(a), local_date(moment), what, a.score,
               MODE_LABELS[a.mode])
    for w in data.workshops:
        yield (SECTION_LABELS["workshop"], w.theme, REGISTRATION_LABELS[w.state], local_date(w.starts_at),
               _l("session"), None, _l("The session was cancelled.") if w.session_cancelled else "")
    for c in data.certificates:
        yield (SECTION_LABELS["certificate"], c.path, AWARD_STATE_LABELS[c.state], c.valid_until,
               _l("valid until"), None, c.number)
    for s in data.assignments:
        yield (SECTION_LABELS["assignment"], s.title, ASSIGNMENT_STATE_LABELS[s.state], s.due_on, _l("due"),
               None, "")


def table(user_id: int, scope: set[int] | None, now: datetime, locale: str) -> Table:
    """The record as one table (named after the person's id, so the file and the audit say whose)."""
    data = record(user_id, scope, now, locale)
    return Table(f"record-{user_id}", COLUMNS, _rows(data))
