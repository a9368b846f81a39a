"""Assignment e-mail through the outbox: "you have been assigned X, due D" and the reminder N days
before the due date, each at most once per assignment and person (AssignmentNotice's unique key).

Every pass is set-based: one INSERT … SELECT over `statuses()` records the notices due (ON CONFLICT DO
NOTHING, so two runs at once record each pair once, and the run that recorded it sends it), then the
recipients are read in chunks and the messages written in one bulk insert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, exists, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from elearn.clock import local_date
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, AssignmentNotice, NoticeKind, TargetKind
from elearn.modules.assignments.queries import statuses, target_title
from elearn.modules.auth.models import User
from elearn.modules.outbox.services import absolute_url, queue_many, recipient_locale

TEMPLATES = {NoticeKind.ASSIGNED: "assignments/email/assigned.txt",
             NoticeKind.DUE_SOON: "assignments/email/due_soon.txt"}
CHUNK = 1000
NOTICE = AssignmentNotice.__table__
KEY = ["assignment_id", "user_id", "kind"]


@dataclass(frozen=True)
class RunReport:
    assigned: int
    reminders: int


def reminder_days() -> int:
    return current_app.config["ASSIGNMENT_REMINDER_DAYS"]


def _insert():
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(NOTICE)


def _open(now: datetime, **where):
    """The (assignment_id, user_id) pairs not completed at now, narrowed by column == value."""
    query = statuses(now)
    columns = query.selected_columns
    query = query.where(columns.completed.is_(False), *(getattr(columns, name) == value
                                                        for name, value in where.items()))
    return query


def _record(pairs, kind: NoticeKind, now: datetime) -> list:
    """Record a notice of kind for each (assignment_id, user_id) of the pairs query that has none yet
    (one statement); the rows this call inserted (id, assignment_id, user_id): the ones to send."""
    pairs = pairs.subquery()
    source = select(pairs.c.assignment_id, pairs.c.user_id, literal(kind, NOTICE.c.kind.type),
                    literal(now, DateTime())).where(~exists().where(
                        NOTICE.c.assignment_id == pairs.c.assignment_id,
                        NOTICE.c.user_id == pairs.c.user_id, NOTICE.c.kind == kind))
    stmt = (_insert().from_select([*KEY, "created_at"], source).on_conflict_do_nothing(index_elements=KEY)
            .returning(NOTICE.c.id, NOTICE.c.assignment_id, NOTICE.c.user_id))
    return db.session.execute(stmt).all()


def _recipients(user_ids: set[int]) -> dict[int, object]:
    found = {}
    ordered = sorted(user_ids)
    for start in range(0, len(ordered), CHUNK):
        found.update((row.id, row) for row in db.session.execute(
            select(User.id, User.name, User.email, User.locale)
            .where(User.id.in_(ordered[start:start + CHUNK]))))
    return found


def _assignments(rows: list) -> dict[int, Assignment]:
    return {a.id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.id.in_({row.assignment_id for row in rows})))}


def _send(rows: list, kind: NoticeKind, assignments: dict[int, Assignment], now: datetime) -> int:
    """Queue the e-mail for each recorded notice and link it to its message; how many."""
    users = _recipients({row.user_id for row in rows})
    today, titles, messages = local_date(now), {}, []
    for row in rows:
        assignment, user = assignments[row.assignment_id], users[row.user_id]
        locale = recipient_locale(user)
        key = (assignment.id, locale)
        if key not in titles:
            titles[key] = target_title(assignment.target_kind, assignment.target_slug, locale)
        messages.append((user, TEMPLATES[kind], {
            "title": titles[key], "due_on": assignment.due_on, "url": _url(assignment),
            "days": (assignment.due_on - today).days}))
    ids = queue_many(messages)
    db.session.execute(update(AssignmentNotice), [{"id": row.id, "message_id": message_id}
                                                  for row, message_id in zip(rows, ids, strict=True)])
    return len(ids)


def _url(assignment: Assignment) -> str:
    if assignment.target_kind == TargetKind.PATH:
        return absolute_url("certification.path", slug=assignment.target_slug)
    return absolute_url("courses.module", slug=assignment.target_slug)


def queue_assigned(now: datetime, assignment_id: int | None = None) -> int:
    """Queue "you have been assigned" for everyone an assignment (or every assignment) reaches who
    has not completed it and has not been told: at creation, and for people who join a unit or a
    cohort later. When the due date is already within the reminder period, that e-mail stands for
    the reminder too (a DUE_SOON notice without a message is recorded). Returns how many."""
    where = {"assignment_id": assignment_id} if assignment_id is not None else {}
    rows = _record(_open(now, **where), NoticeKind.ASSIGNED, now)
    if not rows:
        return 0
    assignments = _assignments(rows)
    horizon = local_date(now) + timedelta(days=reminder_days())
    covered = [{"assignment_id": row.assignment_id, "user_id": row.user_id, "kind": NoticeKind.DUE_SOON,
                "created_at": now} for row in rows if assignments[row.assignment_id].due_on <= horizon]
    if covered:
        db.session.execute(_insert().on_conflict_do_nothing(index_elements=KEY), covered)
    return _send(rows, NoticeKind.ASSIGNED, assignments, now)


def queue_due_soon(now: datetime) -> int:
    """Queue the reminder for everyone who has not completed an assignment due within the reminder
    period (ELEARN_ASSIGNMENT_REMINDER_DAYS) and not been reminded; returns how many."""
    today = local_date(now)
    pairs = _open(now)
    columns = pairs.selected_columns
    pairs = pairs.where(columns.due_on >= today, columns.due_on <= today + timedelta(days=reminder_days()))
    rows = _record(pairs, NoticeKind.DUE_SOON, now)
    return _send(rows, NoticeKind.DUE_SOON, _assignments(rows), now) if rows else 0


def run(now: datetime) -> RunReport:
    """The daily run: "assigned" for people who joined since, then the due reminders. Safe to run
    twice or at the same time as another run (each notice is recorded once)."""
    return RunReport(queue_assigned(now), queue_due_soon(now))
