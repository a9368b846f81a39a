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

from sqlalchemy import and_, delete, or_, select, update

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
    """Ids above `after` of finished attempts older than cutoff that still hold answers: submitted
    ones by their submission, void ones (never submitted) by their start."""
    old = or_(and_(QuizAttempt.state == AttemptState.SUBMITTED, QuizAttempt.submitted_at < cutoff),
              and_(QuizAttempt.state == AttemptState.VOID, QuizAttempt.started_at < cutoff))
    held = (select(AttemptQuestion.attempt_id.label("id")).where(AttemptQuestion.answer.is_not(None))
            .union(select(AttemptChoice.attempt_id.label("id")))).subquery()
    return list(db.session.scalars(
        select(QuizAttempt.id).join(held, held.c.id == QuizAttempt.id)
        .where(old, QuizAttempt.id > after).order_by(QuizAttempt.id).limit(limit)))


def remove_quiz_answers(cutoff: datetime, checkpoint: Callable[[], None], chunk: int = CHUNK):
    """Clear what was answered in attempts finished before cutoff (the chosen options and the stored
    answers); the attempt, its score, pass and per-question scores stay, and answered_at still says
    the question had been answered. Returns (attempts, answers, choices)."""
    attempts = answers = choices = 0
    after = 0
    while ids := _old_attempt_ids(cutoff, after, chunk):
        choices += db.session.execute(delete(AttemptChoice)
                                      .where(AttemptChoice.attempt_id.in_(ids)),
                                      execution_options=NO_SYNC).rowcount
        answers += db.session.execute(update(AttemptQuestion)
                                      .where(AttemptQuestion.attempt_id.in_(ids),
                                             AttemptQuestion.answer.is_not(None))
                                      .values(answer=None), execution_options=NO_SYNC).rowcount
        attempts += len(ids)
        after = ids[-1]
        checkpoint()
    return attempts, answers, choices


def _chunks(model, condition, chunk: int):
    """Yield lists of ids of model's rows matching condition, by ascending id, chunk at a time."""
    after = 0
    while ids := list(db.session.scalars(select(model.id).where(condition, model.id > after)
                                         .order_by(model.id).limit(chunk))):
        after = ids[-1]
        yield ids


def blank_feedback(cutoff: datetime, checkpoint: Callable[[], None], chunk: int = CHUNK) -> int:
    """Blank the written texts of feedback given before cutoff (the ratings stay); returns how many."""
    has_text = or_(Feedback.useful != "", Feedback.missing != "")
    count = 0
    for ids in _chunks(Feedback, and_(Feedback.created_at < cutoff, has_text), chunk):
        count += db.session.execute(update(Feedback).where(Feedback.id.in_(ids), has_text)
                                    .values(useful="", missing=""),
                                    execution_options=NO_SYNC).rowcount
        checkpoint()
    return count


def delete_audit_events(cutoff: datetime, checkpoint: Callable[[], None], chunk: int = CHUNK) -> int:
    """Delete the audit events recorded before cutoff; returns how many."""
    count = 0
    for ids in _chunks(AuditEvent, AuditEvent.created_at < cutoff, chunk):
        count += db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)),
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
