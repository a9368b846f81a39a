"""The whole content/ folder: the course (modules, cards, paths), the quizzes that build on it, and
the workshop themes.

One step reads and checks everything, so `elearn content check` and the app's start-up agree.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from flask import Flask

from elearn.modules.courses import services as courses
from elearn.modules.courses.catalogue import Catalogue
from elearn.modules.courses.loader import ContentError, load
from elearn.modules.courses.sources import Problem
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.definitions import QuizBank
from elearn.modules.quizzes.loader import load_quizzes
from elearn.modules.workshops import loader as workshop_loader

log = logging.getLogger("elearn.content")


@dataclass(frozen=True)
class Content:
    catalogue: Catalogue
    quizzes: QuizBank
    problems: tuple[Problem, ...]
    rendered: int = 0
    cached: int = 0
    workshops: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    def summary(self) -> str:
        return (f"{len(self.catalogue.modules)} modules, {len(self.catalogue.cards)} reference cards, "
                f"{len(self.catalogue.paths)} paths, {len(self.quizzes.quizzes)} quizzes, "
                f"{len(self.workshops)} workshops")


def read(root: Path, cache_dir: Path | None = None) -> Content:
    """Read and check everything under root. Never raises for bad content: see problems."""
    course = load(root, cache_dir)
    problems = list(course.problems)
    bank = load_quizzes(root, course.catalogue, problems) if root.is_dir() else QuizBank()
    for module in course.catalogue.modules.values():
        quiz_file = root / "quizzes" / f"{module.quiz}.yaml"
        if module.quiz and module.quiz not in bank.quizzes and quiz_file.exists():
            problems.append(Problem(f"{root.name}/quizzes/{module.quiz}.yaml", 1,
                                    f"module '{module.slug}' needs this quiz, which could not be "
                                    "loaded, so the module could never be completed"))
    workshops, workshop_problems = workshop_loader.load_workshops(root)
    problems += workshop_problems
    problems += workshop_loader.reading_problems(root, workshops, course.catalogue.modules)
    problems += _certification_problems(root, course.catalogue, bank, workshops)
    return Content(course.catalogue, bank, tuple(problems), course.rendered, course.cached,
                   workshops)


def _certification_problems(root: Path, catalogue: Catalogue, bank: QuizBank,
                            workshops) -> list[Problem]:
    """A path's certification may only name workshop themes that exist and quizzes of its own
    modules that offer refreshers (the paths are read before quizzes and workshops)."""
    problems, label = [], f"{root.name}/paths.yaml"
    for path in catalogue.paths:
        rules = path.certification
        if rules is None:
            continue
        for slug in rules.workshops:
            if slug not in workshops:
                problems.append(Problem(label, rules.line, f"path {path.slug}: certification: "
                                                           f"unknown workshop '{slug}'"))
        for slug in rules.renewal.refreshers:
            quiz = bank.quizzes.get(slug)
            if quiz is None or quiz.module not in path.modules:
                problems.append(Problem(label, rules.line, f"path {path.slug}: certification: "
                                        f"'{slug}' is not the quiz of a module in this path"))
            elif not quiz.refresher:
                problems.append(Problem(label, rules.line, f"path {path.slug}: certification: "
                                        f"quiz '{slug}' has no refresher (set 'refresher:')"))
    return problems


def load_content(app: Flask) -> Content:
    """Load content/ into the app; raises ContentError (listing every error) when it is broken."""
    started = time.perf_counter()
    content = read(courses.content_dir(app), courses.cache_dir(app))
    for problem in content.problems:
        log.warning("%s", problem)
    if content.errors:
        raise ContentError(content.errors)
    app.extensions[courses.EXTENSION_KEY] = content.catalogue
    app.extensions[quizzes.EXTENSION_KEY] = content.quizzes
    app.extensions[workshop_loader.EXTENSION_KEY] = content.workshops
    log.info("content loaded: %s in %.0f ms (%d rendered, %d cached)", content.summary(),
             (time.perf_counter() - started) * 1000, content.rendered, content.cached)
    return content
