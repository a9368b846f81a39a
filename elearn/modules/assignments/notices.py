"""Assignment e-mail through the outbox: "you have been assigned X, due D" and the reminder N days
before the due date, each at most once per assignment and person (AssignmentNotice's unique key).

Every pass is set-based: one read over `statuses()` finds the notices due; the messages are rendered
(one per person and target, however many overlapping assignments reach them: the earliest due date
wins); only then are the notices recorded (one batched INSERT … ON CONFLICT DO NOTHING, so two runs
at once record each pair once, and the run that recorded it sends it) and the messages written, so
the write lock is held for the inserts only, not while the e-mails render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

from elearn.clock import local_date
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, AssignmentNotice, NoticeKind
from elearn.modules.assignments.queries import statuses, target_endpoint, target_title
from elearn.modules.auth.models import User
from elearn.modules.outbox.services import absolute_url, queue_rendered, recipient_locale, render_many

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


def _unnoticed(pairs, kind: NoticeKind) -> list:
    """The (assignment_id, user_id) rows of the pairs query with no notice of kind yet (a read)."""
    pairs = pairs.subquery()
    return db.session.execute(select(pairs.c.assignment_id, pairs.c.user_id).where(~exists().where(
        NOTICE.c.assignment_id == pairs.c.assignment_id, NOTICE.c.user_id == pairs.c.user_id,
        NOTICE.c.kind == kind))).all()


def _record(pairs: list, kind: NoticeKind, now: datetime) -> dict[tuple[int, int], int]:
    """Record a notice of kind for each (assignment_id, user_id) pair that has none (one batched
    statement); {pair: notice id} of those this call recorded, the ones it must send."""
    if not pairs:
        return {}
    stmt = (_insert().on_conflict_do_nothing(index_elements=KEY)
            .returning(NOTICE.c.id, NOTICE.c.assignment_id, NOTICE.c.user_id))
    # in key order, so two runs at once wait for each other's rows in one order (never a deadlock)
    rows = db.session.execute(stmt, [{"assignment_id": assignment_id, "user_id": user_id, "kind": kind,
                                      "created_at": now} for assignment_id, user_id in sorted(pairs)])
    return {(row.assignment_id, row.user_id): row.id for row in rows}


def _recipients(user_ids: set[int]) -> dict[int, object]:
    found = {}
    ordered = sorted(user_ids)
    for start in range(0, len(ordered), CHUNK):
        found.update((row.id, row) for row in db.session.execute(
            select(User.id, User.name, User.email, User.locale)
            .where(User.id.in_(ordered[start:start + CHUNK]))))
    return found


def _assignments(pairs: list) -> dict[int, Assignment]:
    return {a.id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.id.in_({assignment_id for assignment_id, _uid in pairs})))}


@dataclass
class _Message:
    """One e-mail for a person and a target, standing for every pair (assignment, person) of it."""

    pairs: list[tuple[int, int]]
    row: dict  # the rendered outbox row


def _compose(pairs: list, kind: NoticeKind, assignments: dict[int, Assignment],
             now: datetime) -> list[_Message]:
    """The rendered e-mails for the pairs: one per (person, target kind, target slug), with the
    earliest due date of the assignments reaching them; an "assigned" e-mail whose due date has
    passed (someone who joined or lapsed after it) says it is overdue instead."""
    groups: dict[tuple, list] = {}
    for assignment_id, user_id in pairs:
        assignment = assignments[assignment_id]
        groups.setdefault((user_id, assignment.target_kind, assignment.target_slug), []).append(
            (assignment.due_on, assignment_id, user_id))
    users = _recipients({user_id for _aid, user_id in pairs})
    today, titles, messages = local_date(now), {}, []
    for (user_id, target_kind, target_slug), members in groups.items():
        due_on, assignment_id, _user = min(members)
        assignment, user = assignments[assignment_id], users[user_id]
        locale = recipient_locale(user)
        if (target_kind, target_slug, locale) not in titles:
            titles[target_kind, target_slug, locale] = target_title(target_kind, target_slug, locale)
        messages.append((user, TEMPLATES[kind], {
            "title": titles[target_kind, target_slug, locale], "due_on": due_on, "url": _url(assignment),
            "days": (due_on - today).days, "overdue": due_on < today}))
    rows = render_many(messages)
    return [_Message([(aid, uid) for _due, aid, uid in members], row)
            for members, row in zip(groups.values(), rows, strict=True)]


def _send(messages: list[_Message], recorded: dict[tuple[int, int], int]) -> int:
    """Write the e-mails that stand for at least one notice this run recorded and link those
    notices to them; how many e-mails."""
    due = [message for message in messages if any(pair in recorded for pair in message.pairs)]
    ids = queue_rendered([message.row for message in due])
    links = [{"id": recorded[pair], "message_id": message_id}
             for message, message_id in zip(due, ids, strict=True)
             for pair in message.pairs if pair in recorded]
    if links:
        db.session.execute(update(AssignmentNotice), links)
    return len(ids)


def _url(assignment: Assignment) -> str:
    return absolute_url(target_endpoint(assignment.target_kind), slug=assignment.target_slug)


def _deliver(messages: list[_Message], kind: NoticeKind, now: datetime, checkpoint, cover=None) -> int:
    """Record the notices of the rendered messages and write the messages due, CHUNK messages at a
    time with checkpoint (e.g. the session's commit) after each, so a national run never holds the
    SQLite write lock for long; cover(recorded) runs for each chunk's new notices. How many e-mails."""
    sent = 0
    for start in range(0, len(messages), CHUNK):
        chunk = messages[start:start + CHUNK]
        recorded = _record([pair for message in chunk for pair in message.pairs], kind, now)
        if cover is not None:
            cover(recorded)
        sent += _send(chunk, recorded)
        if checkpoint is not None:
            checkpoint()
    return sent


def queue_assigned(now: datetime, assignment_id: int | None = None, checkpoint=None) -> int:
    """Queue "you have been assigned" for everyone an assignment (or every assignment) reaches who
    has not completed it and has not been told: at creation, and for people who join a unit or a
    cohort later. When the due date is already within the reminder period, that e-mail stands for
    the reminder too (a DUE_SOON notice without a message is recorded). Returns how many e-mails."""
    where = {"assignment_id": assignment_id} if assignment_id is not None else {}
    pairs = _unnoticed(_open(now, **where), NoticeKind.ASSIGNED)
    if not pairs:
        return 0
    assignments = _assignments(pairs)
    horizon = local_date(now) + timedelta(days=reminder_days())
    soon = {aid for aid, assignment in assignments.items() if assignment.due_on <= horizon}

    def cover(recorded):
        covered = [{"assignment_id": aid, "user_id": uid, "kind": NoticeKind.DUE_SOON, "created_at": now}
                   for aid, uid in recorded if aid in soon]
        if covered:
            db.session.execute(_insert().on_conflict_do_nothing(index_elements=KEY), covered)

    messages = _compose(pairs, NoticeKind.ASSIGNED, assignments, now)
    return _deliver(messages, NoticeKind.ASSIGNED, now, checkpoint, cover)


def queue_due_soon(now: datetime, checkpoint=None) -> int:
    """Queue the reminder for everyone who has not completed an assignment due within the reminder
    period (ELEARN_ASSIGNMENT_REMINDER_DAYS) and not been reminded; returns how many e-mails."""
    today = local_date(now)
    pairs = _open(now)
    columns = pairs.selected_columns
    pairs = _unnoticed(pairs.where(columns.due_on >= today,
                                   columns.due_on <= today + timedelta(days=reminder_days())),
                       NoticeKind.DUE_SOON)
    if not pairs:
        return 0
    messages = _compose(pairs, NoticeKind.DUE_SOON, _assignments(pairs), now)
    return _deliver(messages, NoticeKind.DUE_SOON, now, checkpoint)


def run(now: datetime, checkpoint=None) -> RunReport:
    """The daily run: "assigned" for people who joined since, then the due reminders. Safe to run
    twice or at the same time as another run (each notice is recorded once). checkpoint (e.g. the
    session's commit) is called after each chunk of e-mails; the caller commits the rest."""
    return RunReport(queue_assigned(now, checkpoint=checkpoint), queue_due_soon(now, checkpoint))
