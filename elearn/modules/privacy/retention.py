"""Retention: the chosen options of old quiz attempts, old workshop feedback texts and old audit events
are removed after the configured number of days (0 keeps them for ever).

Each kind is removed in chunks of set-based statements, one short transaction per chunk (the caller's
checkpoint commits), walking the rows by id so a chunk never rescans what an earlier one cleared. Every
statement only touches rows that still hold what it removes, so a second run, or two runs at once,
remove nothing twice and count only what they removed themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select, update

from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.audit.services import record
from elearn.modules.quizzes.models import AttemptChoice, AttemptQuestion, AttemptState, QuizAttempt
from elearn.modules.workshops.models import Feedback

CHUNK = 2000
#: Bulk statements: the session holds none of these rows, so it needs no synchronising.
NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Periods:
    """Days to keep each kind of data; 0 keeps it for ever."""

    quiz_answers: int
    feedback: int
    audit: int

    @classmethod
    def from_config(cls, config) -> Periods:
        return cls(int(config["RETENTION_QUIZ_ANSWERS_DAYS"]), int(config["RETENTION_FEEDBACK_DAYS"]),
                   int(config["RETENTION_AUDIT_DAYS"]))


@dataclass(frozen=True)
class Report:
    attempts: int = 0  # attempts whose answers were removed
    answers: int = 0  # answered questions whose answer was cleared
    choices: int = 0  # chosen-option rows deleted
    feedback: int = 0  # feedback entries whose texts were blanked
    audit_events: int = 0  # audit events deleted

    def removed_anything(self) -> bool:
        return any((self.attempts, self.answers, self.choices, self.feedback, self.audit_events))


def _cutoff(now: datetime, days: int) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def _old_attempt_ids(cutoff: datetime, after: int, limit: int) -> list[int]:
    """Ids above `after` of attempts older than cutoff that still hold answers: submitted ones by
    their submission, void and abandoned (still in progress) ones by their start. Walks the attempts by
    id, probing each one's rows by their primary key, so every attempt is read once per run."""
    old = or_(and_(QuizAttempt.state == AttemptState.SUBMITTED, QuizAttempt.submitted_at < cutoff),
              and_(QuizAttempt.state.in_((AttemptState.VOID, AttemptState.IN_PROGRESS)),
                   QuizAttempt.started_at < cutoff))
    answered = exists().where(AttemptQuestion.attempt_id == QuizAttempt.id,
                              AttemptQuestion.answer.is_not(None))
    chosen = exists().where(AttemptChoice.attempt_id == QuizAttempt.id)
    return list(db.session.scalars(
        select(QuizAttempt.id).where(QuizAttempt.id > after, old, or_(answered, chosen))
        .order_by(QuizAttempt.id).limit(limit)))


def remove_quiz_answers(cutoff: datetime, checkpoint: Callable[[], None], chunk: int = CHUNK):
    """Clear what was answered in attempts finished before cutoff (the chosen options and the stored
    answers); the attempt, its score, pass and per-question scores stay, and answered_at still says
    the question had been answered. Returns (attempts, answers, choices)."""
    attempts: set[int] = set()
    answers = choices = 0
    after = 0
    while ids := _old_attempt_ids(cutoff, after, chunk):
        # RETURNING: a concurrent run may have cleared some of these attempts in the meantime, and
        # only what this run removed is counted.
        chosen = db.session.scalars(delete(AttemptChoice).where(AttemptChoice.attempt_id.in_(ids))
                                    .returning(AttemptChoice.attempt_id), execution_options=NO_SYNC).all()
        answered = db.session.scalars(update(AttemptQuestion)
                                      .where(AttemptQuestion.attempt_id.in_(ids),
                                             AttemptQuestion.answer.is_not(None))
                                      .values(answer=None).returning(AttemptQuestion.attempt_id),
                                      execution_options=NO_SYNC).all()
        choices, answers = choices + len(chosen), answers + len(answered)
        attempts.update(chosen, answered)
        after = ids[-1]
        checkpoint()
    return len(attempts), answers, choices


def _chunks(model, condition, chunk: int):
    """Yield lists of ids of model's rows matching condition, by ascending id, chunk at a time."""
    after = 0
    while ids := list(db.session.scalars(select(model.id).where(condition, model.id > after)
                                         .order_by(model.id).limit(chunk))):
        after = ids[-1]
        yield ids


def blank_feedback(cutoff: datetime, checkpoint: Callable[[], None], chunk: int = CHUNK) -> int:
    """Blank the written texts of feedback given before cutoff (the ratings stay); returns how many."""
    old = and_(Feedback.created_at < cutoff, or_(Feedback.useful != "", Feedback.missing != ""))
    count = 0
    for ids in _chunks(Feedback, old, chunk):
        count += db.session.execute(update(Feedback).where(Feedback.id.in_(ids), old)
                                    .values(useful="", missing=""),
                                    execution_options=NO_SYNC).rowcount
        checkpoint()
    return count


def delete_audit_events(cutoff: datetime, checkpoint: Callable[[], None], chunk: int = CHUNK) -> int:
    """Delete the audit events recorded before cutoff; returns how many."""
    count = 0
    old = AuditEvent.created_at < cutoff
    for ids in _chunks(AuditEvent, old, chunk):
        # The condition again: SQLite reuses the highest ids, so a concurrent run's new event may
        # have taken an id deleted since this chunk was read.
        count += db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids), old),
                                    execution_options=NO_SYNC).rowcount
        checkpoint()
    return count


def run(now: datetime, periods: Periods, checkpoint: Callable[[], None], chunk: int = CHUNK) -> Report:
    """Remove everything older than its retention period, chunk by chunk; returns the counts. The run
    is audited (with its counts only) when it removed anything."""
    attempts = answers = choices = feedback = audit_events = 0
    if cutoff := _cutoff(now, periods.quiz_answers):
        attempts, answers, choices = remove_quiz_answers(cutoff, checkpoint, chunk)
    if cutoff := _cutoff(now, periods.feedback):
        feedback = blank_feedback(cutoff, checkpoint, chunk)
    if cutoff := _cutoff(now, periods.audit):
        audit_events = delete_audit_events(cutoff, checkpoint, chunk)
    report = Report(attempts, answers, choices, feedback, audit_events)
    if report.removed_anything():
        record(None, "retention.run", "retention", attempts=attempts, answers=answers, choices=choices,
               feedback=feedback, audit_events=audit_events)
    checkpoint()
    return report
