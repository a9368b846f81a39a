"""Progress rules: opening a module starts it; reading every section and passing its quiz (if it has
one) completes it; a new major version of the content makes an old completion outdated."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, select, text, update
from sqlalchemy.exc import IntegrityError

from elearn import events
from elearn.clock import utcnow
from elearn.extensions import db, read_connection
from elearn.modules.courses.catalogue import CourseModule, Version
from elearn.modules.progress.models import ModuleProgress, SectionRead


class Status(enum.StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    UPDATED = "updated"  # completed; a minor correction came since
    OUTDATED = "outdated"  # completed at an older major version only


@dataclass(frozen=True)
class ModuleState:
    status: Status
    sections_read: frozenset[str]
    total_sections: int
    completed_version: Version | None = None
    last_section_id: str | None = None
    has_quiz: bool = False
    quiz_passed: bool = False

    @property
    def percent(self) -> int:
        """Reading and the quiz together: the quiz counts as one more step."""
        if self.status in (Status.COMPLETED, Status.UPDATED):
            return 100
        steps = self.total_sections + (1 if self.has_quiz else 0)
        done = len(self.sections_read) + (1 if self.has_quiz and self.quiz_passed else 0)
        return round(100 * done / steps) if steps else 0

    @property
    def all_read(self) -> bool:
        return len(self.sections_read) >= self.total_sections

    @property
    def quiz_missing(self) -> bool:
        """The module is not complete only because its quiz is not passed yet."""
        return not self.done and self.has_quiz and not self.quiz_passed and self.all_read

    @property
    def done(self) -> bool:
        return self.status in (Status.COMPLETED, Status.UPDATED)


def _state(module: CourseModule, rows: list, read: frozenset[str]) -> ModuleState:
    total, has_quiz = len(module.section_ids), module.quiz is not None
    current = next((r for r in rows if r.major_version == module.version.major), None)
    older = [r for r in rows if r.major_version < module.version.major and r.completed_at]
    passed = bool(current and current.quiz_passed_at)
    if current and current.completed_at:
        version = Version.parse(current.version)
        status = Status.COMPLETED if version == module.version else Status.UPDATED
        return ModuleState(status, read, total, version, current.last_section_id, has_quiz, passed)
    if older and not read and not passed:
        latest = max(older, key=lambda r: r.major_version)
        return ModuleState(Status.OUTDATED, read, total, Version.parse(latest.version),
                           has_quiz=has_quiz)
    if current:
        return ModuleState(Status.IN_PROGRESS, read, total, None, current.last_section_id, has_quiz,
                           passed)
    return ModuleState(Status.NOT_STARTED, read, total, has_quiz=has_quiz)


_PROGRESS = select(ModuleProgress.module_slug, ModuleProgress.major_version,
                   ModuleProgress.version, ModuleProgress.completed_at,
                   ModuleProgress.last_section_id, ModuleProgress.quiz_passed_at).where(
    ModuleProgress.user_id == bindparam("user_id"),
    ModuleProgress.module_slug.in_(bindparam("slugs", expanding=True)))
_READS = select(SectionRead.module_slug, SectionRead.major_version, SectionRead.section_id).where(
    SectionRead.user_id == bindparam("user_id"),
    SectionRead.module_slug.in_(bindparam("slugs", expanding=True)))


def states(user_id: int, modules: list[CourseModule]) -> dict[str, ModuleState]:
    """Each module's state for the learner, from two queries whatever the number of modules."""
    if not modules:
        return {}
    parameters = {"user_id": user_id, "slugs": [m.slug for m in modules]}
    connection = db.session.connection()
    rows = connection.execute(_PROGRESS, parameters).all()
    reads = connection.execute(_READS, parameters).all()
    result = {}
    for module in modules:
        read = frozenset(section for slug, major, section in reads
                         if slug == module.slug and major == module.version.major
                         and section in module.section_ids)
        result[module.slug] = _state(module, [r for r in rows if r.module_slug == module.slug], read)
    return result


# Runs on every section page: plain SQL, so no statement tree is walked for a cache key each time.
_READS_OF_ONE = text("SELECT section_id FROM section_read WHERE user_id = :user_id "
                     "AND module_slug = :slug AND major_version = :major")


def sections_read(user_id: int, module: CourseModule) -> frozenset[str]:
    """The sections of the module's current major version the learner has read (one query)."""
    rows = read_connection().execute(_READS_OF_ONE, {"user_id": user_id, "slug": module.slug,
                                                     "major": module.version.major}).all()
    return frozenset(section for (section,) in rows if section in module.section_ids)


def state(user_id: int, module: CourseModule) -> ModuleState:
    return states(user_id, [module])[module.slug]


def _progress_row(user_id: int, module: CourseModule) -> ModuleProgress:
    """The learner's row for the module's current major version, created when missing (race-safe)."""
    query = select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                         ModuleProgress.module_slug == module.slug,
                                         ModuleProgress.major_version == module.version.major)
    row = db.session.scalar(query)
    if row is None:
        try:
            with db.session.begin_nested():
                row = ModuleProgress(user_id=user_id, module_slug=module.slug,
                                     major_version=module.version.major, version=str(module.version))
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(query)
    return row


def start(user_id: int, module: CourseModule) -> None:
    """Record that the learner opened the module (once per major version)."""
    _progress_row(user_id, module)
    db.session.flush()


@dataclass(frozen=True)
class Reading:
    state: ModuleState
    completed_now: bool  # this read was the one that completed the module


def mark_read(user_id: int, module: CourseModule, section_id: str,
              now: datetime | None = None) -> Reading:
    """Record a section as read, completing the module when every section is (and its quiz passed).

    Reading again is harmless: the first read and the first completion times are kept.
    """
    row = _progress_row(user_id, module)
    try:
        with db.session.begin_nested():
            db.session.add(SectionRead(user_id=user_id, module_slug=module.slug,
                                       major_version=module.version.major, section_id=section_id))
    except IntegrityError:
        pass
    row.last_section_id = section_id
    db.session.flush()
    completed_now = _complete_if_due(user_id, module, row, now)
    if completed_now:
        events.announce(events.EVIDENCE_CHANGED, user_id, now)
    return Reading(state(user_id, module), completed_now)


def record_quiz_pass(user_id: int, module: CourseModule, now: datetime | None = None) -> Reading:
    """Record that the learner passed the module's quiz (the first time counts), completing the module
    when every section has been read too."""
    row = _progress_row(user_id, module)
    row.quiz_passed_at = row.quiz_passed_at or now or utcnow()
    db.session.flush()
    completed_now = _complete_if_due(user_id, module, row, now)
    events.announce(events.EVIDENCE_CHANGED, user_id, now)
    return Reading(state(user_id, module), completed_now)


def record_quiz_score(user_id: int, module: CourseModule, score: float) -> None:
    """Keep the best graded score on the learner's row for the module, which the reports read instead
    of every attempt. One conditional UPDATE, so two submits at once keep the higher score."""
    row = _progress_row(user_id, module)
    db.session.execute(
        update(ModuleProgress).where(ModuleProgress.id == row.id)
        .values(best_score=case((ModuleProgress.best_score.is_(None), score),
                                (ModuleProgress.best_score < score, score),
                                else_=ModuleProgress.best_score))
        .execution_options(synchronize_session=False))
    db.session.expire(row, ["best_score"])


def _complete_if_due(user_id: int, module: CourseModule, row: ModuleProgress,
                     now: datetime | None = None) -> bool:
    """Complete the row when the rules are met; whether this call completed it."""
    if state(user_id, module).sections_read != frozenset(module.section_ids):
        return False
    if module.quiz and row.quiz_passed_at is None:
        return False
    completed_now = row.completed_at is None
    row.completed_at = row.completed_at or now or utcnow()
    row.version = str(module.version)
    db.session.flush()
    return completed_now


def resume_section(module: CourseModule, current: ModuleState) -> str:
    """The section to continue with: the first unread one, else the first."""
    for section_id in module.section_ids:
        if section_id not in current.sections_read:
            return section_id
    return module.section_ids[0]


def modules_in_progress(user_id: int) -> list[str]:
    """Slugs of the modules the learner has started and not completed, most recently started first."""
    rows = db.session.execute(
        select(ModuleProgress.module_slug).where(ModuleProgress.user_id == user_id,
                                                 ModuleProgress.completed_at.is_(None))
        .order_by(ModuleProgress.started_at.desc())).scalars().all()
    return list(dict.fromkeys(rows))


def learners_of(module_slugs) -> set[int]:
    """Ids of the people who have started any of these modules (a learning path's learners)."""
    slugs = list(module_slugs)
    if not slugs:
        return set()
    return set(db.session.scalars(select(ModuleProgress.user_id).distinct()
                                  .where(ModuleProgress.module_slug.in_(slugs))))
