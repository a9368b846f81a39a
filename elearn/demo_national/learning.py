"""Module progress and quiz attempts for the national demo, written in bulk.

Per person and module: not started, in progress, completed at the current major version, or outdated
(completed only at the major version before). Every graded attempt history ends in a pass for a
completed module; best_score on the progress row is the highest graded score at that major version;
each attempt's passed flag follows its pass mark (quizzes.grading.passed). Refresher attempts come
after a completion, for quizzes that offer refreshers. The attempts carry no AttemptQuestion or
AttemptChoice rows (the reports read attempts and summary rows only; a bulk attempt's review page shows
no questions, and the item analysis counts only attempts taken through the site). Completed modules
carry no SectionRead rows (a completion is the progress row's completed_at); modules in progress have
the sections read so far.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from elearn.demo_national.bulk import insert_rows
from elearn.modules.courses.catalogue import CourseModule, LearningPath
from elearn.modules.progress.models import ModuleProgress, SectionRead
from elearn.modules.quizzes.grading import passed
from elearn.modules.quizzes.models import AttemptMode, AttemptState, QuizAttempt

BATCH = 500  # people per insert round, which bounds memory
#: Mean refresher attempts per completed module with a refresher: with the graded attempts this gives
#: about 20 attempts per person on the real course.
REFRESHERS = 12.0


@dataclass(frozen=True)
class Done:
    """A module completed at its current major version (what the certificates are earned with)."""

    at: datetime
    score: float | None
    pass_mark: int | None


@dataclass
class Rows:
    progress: list[dict]
    attempts: list[dict]
    reads: list[dict]

    def flush(self) -> None:
        insert_rows(ModuleProgress, self.progress)
        insert_rows(QuizAttempt, self.attempts)
        insert_rows(SectionRead, self.reads)
        self.progress, self.attempts, self.reads = [], [], []


def attempt_row(rng: random.Random, user_id: int, quiz, module: CourseModule, major: int, mode: AttemptMode,
                at: datetime, questions: int, right: int) -> dict:
    """A submitted attempt of quiz with right of questions answered correctly, submitted at `at`."""
    score = right / questions
    return {"user_id": user_id, "quiz_slug": quiz.slug, "module_slug": module.slug,
            "quiz_version": quiz.version if major == module.version.major else f"{major}.4",
            "module_major": major, "mode": mode, "state": AttemptState.SUBMITTED,
            "seed": rng.getrandbits(62), "pass_mark": quiz.pass_mark,
            "review_policy": quiz.review.value, "per_page": quiz.per_page,
            "started_at": at - timedelta(minutes=rng.randint(6, 30)), "deadline_at": None,
            "submitted_at": at, "score": score, "passed": passed(score, quiz.pass_mark)}


class Learning:
    """Writes one person's history module by module; rng and now make it repeatable."""

    def __init__(self, rng: random.Random, now: datetime, modules, quizzes) -> None:
        self.rng, self.now, self.modules, self.quizzes = rng, now, modules, quizzes
        self.rows = Rows([], [], [])

    def _graded(self, user_id: int, module: CourseModule, major: int, end: datetime, fails: int,
                passes: bool) -> tuple[list[dict], datetime | None]:
        """fails failed attempts then maybe a pass, the last submitted at end; (rows, pass time)."""
        quiz = self.quizzes.get(module.quiz)
        if quiz is None:
            return [], None
        need = next(k for k in range(quiz.draw + 1) if passed(k / quiz.draw, quiz.pass_mark))
        rows, at = [], end
        if passes:
            rows.append(attempt_row(self.rng, user_id, quiz, module, major, AttemptMode.GRADED, at, quiz.draw,
                                    self.rng.randint(need, quiz.draw)))
        for _ in range(fails):
            at -= timedelta(minutes=self.rng.randint(20, 60 * 24 * 5))
            rows.append(attempt_row(self.rng, user_id, quiz, module, major, AttemptMode.GRADED, at, quiz.draw,
                                    self.rng.randint(math.ceil(0.3 * quiz.draw), need - 1)))
        return rows, (end if passes else None)

    def _refreshers(self, user_id: int, module: CourseModule, after: datetime) -> list[dict]:
        quiz = self.quizzes.get(module.quiz)
        if quiz is None or not quiz.refresher or after >= self.now:
            return []
        count = min(int(self.rng.expovariate(1 / REFRESHERS)), 40)
        span = (self.now - after).total_seconds()
        return [attempt_row(self.rng, user_id, quiz, module, module.version.major, AttemptMode.REFRESHER,
                            after + timedelta(seconds=self.rng.uniform(0, span)), quiz.refresher,
                            self.rng.randint(quiz.refresher // 2, quiz.refresher)) for _ in range(count)]

    def _row(self, user_id, module, major, started, completed, quiz_passed, attempts, last=None) -> None:
        """The progress row, started before the first attempt, and its attempts."""
        graded = [a["score"] for a in attempts if a["mode"] == AttemptMode.GRADED]
        started = min([started, *(a["started_at"] - timedelta(hours=1) for a in attempts)])
        self.rows.progress.append({
            "user_id": user_id, "module_slug": module.slug, "major_version": major,
            "version": str(module.version) if major == module.version.major else f"{major}.4",
            "started_at": started, "completed_at": completed, "quiz_passed_at": quiz_passed,
            "last_section_id": last or module.section_ids[-1], "best_score": max(graded, default=None)})
        self.rows.attempts.extend(attempts)

    def completed(self, user_id: int, module: CourseModule, start: datetime, end: datetime,
                  skill: float, major: int | None = None) -> Done:
        """Completed between start and end (at major, default the current one)."""
        major = module.version.major if major is None else major
        done = start + (end - start) * self.rng.uniform(0.05, 1.0)
        fails = min(int(self.rng.expovariate(skill * 2 + 0.3)), 4)
        attempts, quiz_passed = self._graded(user_id, module, major, done, fails, True)
        started = done - timedelta(days=self.rng.uniform(0.05, 20))
        if major == module.version.major:
            attempts += self._refreshers(user_id, module, done)
        self._row(user_id, module, major, started, done, quiz_passed, attempts)
        graded = [a for a in attempts if a["mode"] == AttemptMode.GRADED]
        return Done(done, max((a["score"] for a in graded), default=None),
                    graded[0]["pass_mark"] if graded else None)

    def in_progress(self, user_id: int, module: CourseModule, start: datetime) -> None:
        at = start + (self.now - start) * self.rng.uniform(0.5, 1.0)
        quiz_passed = module.quiz is not None and self.rng.random() < 0.2
        fails = self.rng.choice((0, 0, 1, 2))
        attempts, passed_at = self._graded(user_id, module, module.version.major, at, fails, quiz_passed)
        sections = module.section_ids
        most = len(sections) - 1 if quiz_passed or module.quiz is None else len(sections)
        read = self.rng.randint(1, max(1, most))
        self._row(user_id, module, module.version.major, at - timedelta(days=self.rng.uniform(0, 30)), None,
                  passed_at, attempts, sections[read - 1])
        self.rows.reads.extend({"user_id": user_id, "module_slug": module.slug, "section_id": section,
                                "major_version": module.version.major, "read_at": at}
                               for section in sections[:read])

    def person(self, user_id: int, track: LearningPath, joined: datetime, deadline: datetime | None,
               diligence: float) -> dict[str, Done]:
        """The person's history: the track's modules by diligence, all of them completed before the
        deadline when there is one, now and then a module outside the track."""
        start, done = max(joined, self.now - timedelta(days=4 * 365)), {}
        if deadline is not None:
            start = min(start, deadline - timedelta(days=60))
        for module in self.modules.values():
            in_track = module.slug in track.modules
            chance = self.rng.random()
            if deadline is not None and in_track:
                done[module.slug] = self.completed(user_id, module, start, deadline, diligence)
            elif not in_track and chance > 0.08:
                continue
            elif chance < 0.25 + 0.65 * diligence:
                done[module.slug] = self.completed(user_id, module, start, self.now, diligence)
            elif chance < 0.29 + 0.65 * diligence and module.version.major > 0:
                old = self.now - timedelta(days=self.rng.uniform(2 * 365, 4 * 365))
                self.completed(user_id, module, old - timedelta(days=90), old, diligence,
                               module.version.major - 1)
            elif chance < 0.45 + 0.65 * diligence:
                self.in_progress(user_id, module, start)
        return done
