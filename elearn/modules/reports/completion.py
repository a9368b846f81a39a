"""The completion matrix: people × the modules of a learning path, each cell a status and the best quiz
score at the module's current major version, with totals per module and per unit.

Everything is read from the ModuleProgress summary rows (one per person, module and major version),
never from section reads or attempts, by the rules the learner's own pages follow
(progress.services._state). A person's status in a module is the highest "rank" of their rows:

    4 completed at the current major ("updated", a minor correction since, counts as completed)
    3 in progress: a current-major row with a section read or the quiz passed
    2 outdated: completed only at an older major (and nothing done at the current one)
    1 in progress: a current-major row only opened (after an old completion that is still outdated)
    0 not started

A section read sets the row's last_section_id, so "nothing done at the current major" needs no
section_read rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from elearn.extensions import db
from elearn.modules.auth.models import User
from elearn.modules.certification.directory import unit_labels
from elearn.modules.courses.catalogue import CourseModule, LearningPath
from elearn.modules.courses.services import catalogue
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.progress.services import Status
from elearn.modules.reports import filters as report_filters
from elearn.modules.reports.filters import Page, ReportFilters
from elearn.modules.reports.tables import Column, Kind, Table, percent
from elearn.modules.units.models import Unit
from elearn.search import danish_sort_key

SORTS = ("name", "unit", "progress")
RANKS = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.OUTDATED, Status.IN_PROGRESS, Status.COMPLETED)
STATUS_LABELS = {Status.NOT_STARTED: _l("Not started"), Status.IN_PROGRESS: _l("In progress"),
                 Status.COMPLETED: _l("Completed"), Status.OUTDATED: _l("Outdated")}


class Cell(NamedTuple):
    status: Status
    best_score: float | None  # 0..1, at the current major version

    @property
    def percent(self) -> int | None:
        return percent(self.best_score)


NO_PROGRESS = Cell(Status.NOT_STARTED, None)


@dataclass(frozen=True)
class MatrixRow:
    user_id: int
    name: str
    email: str
    unit: str | None
    cells: tuple[Cell, ...]  # in the path's module order

    @property
    def completed(self) -> int:
        return sum(cell.status is Status.COMPLETED for cell in self.cells)


@dataclass(frozen=True)
class ModuleTotal:
    module: CourseModule
    counts: dict  # Status -> number of people

    def __getitem__(self, status: Status) -> int:
        return self.counts.get(status, 0)


@dataclass(frozen=True)
class UnitTotal:
    unit: str  # the unit's path of names; "" for people without a unit
    people: int
    completed: int  # people who completed every module of the path

    @property
    def percent(self) -> int:
        return percent(self.completed / self.people) if self.people else 0


def path_modules(path: LearningPath) -> list[CourseModule]:
    return [catalogue().modules[slug] for slug in path.modules if slug in catalogue().modules]


def _current_major(modules: list[CourseModule]):
    return case({m.slug: m.version.major for m in modules}, value=ModuleProgress.module_slug)


def _rank(modules: list[CourseModule]):
    """The rank of one progress row (see the module docstring)."""
    major, done = ModuleProgress.major_version, ModuleProgress.completed_at.is_not(None)
    current = _current_major(modules)
    worked = or_(ModuleProgress.last_section_id.is_not(None), ModuleProgress.quiz_passed_at.is_not(None))
    return case((and_(major == current, done), 4), (and_(major == current, worked), 3),
                (and_(major < current, done), 2), (major == current, 1), else_=0)


def cells(user_ids: Select, modules: list[CourseModule]):
    """Subquery: (user_id, module_slug, rank, best) for the people selected by user_ids, one row
    per person and module they have any progress row for."""
    current = ModuleProgress.major_version == _current_major(modules)
    return (select(ModuleProgress.user_id, ModuleProgress.module_slug,
                   func.max(_rank(modules)).label("rank"),
                   func.max(case((current, ModuleProgress.best_score))).label("best"))
            .where(ModuleProgress.user_id.in_(user_ids),
                   ModuleProgress.module_slug.in_([m.slug for m in modules]))
            .group_by(ModuleProgress.user_id, ModuleProgress.module_slug).subquery("cells"))


def completed_counts(user_ids: Select, modules: list[CourseModule]):
    """Subquery: (user_id, done) — how many of the modules each person completed at the current
    major version (people with none have no row)."""
    current = or_(*(and_(ModuleProgress.module_slug == m.slug,
                          ModuleProgress.major_version == m.version.major) for m in modules))
    return (select(ModuleProgress.user_id, func.count().label("done"))
            .where(ModuleProgress.user_id.in_(user_ids), ModuleProgress.completed_at.is_not(None), current)
            .group_by(ModuleProgress.user_id).subquery("done"))


def _people(scope, filters: ReportFilters, modules: list[CourseModule]) -> Select:
    """The filtered people with their unit's name (and their completed count when sorted by it),
    ordered as asked."""
    unit = aliased(Unit)
    stmt = report_filters.people(scope, filters).outerjoin(unit, unit.id == User.unit_id)
    stmt = stmt.add_columns(unit.name.label("unit_name"))
    if filters.sort == "progress":
        done = completed_counts(report_filters.people(scope, filters).with_only_columns(User.id), modules)
        stmt = stmt.outerjoin(done, done.c.user_id == User.id).add_columns(
            func.coalesce(done.c.done, 0).label("done"))
    else:
        stmt = stmt.add_columns(literal(0).label("done"))
    return stmt


def _order(columns, filters: ReportFilters) -> list:
    names = report_filters.name_order(columns["name"], columns["id"])
    if filters.sort == "unit":
        return [*report_filters.unit_order(columns["unit_name"], filters.descending), *names]
    if filters.sort == "progress":
        return [columns["done"].desc() if filters.descending else columns["done"], *names]
    return [names[0].desc() if filters.descending else names[0], names[1]]


def matrix_rows(scope, filters: ReportFilters, path: LearningPath,
                page: Page | None = None) -> Iterator[MatrixRow]:
    """The rows in order (one page of them, or all when page is None), from one statement: the
    people joined to their grouped progress rows, streamed and grouped per person."""
    modules = path_modules(path)
    people = _people(scope, filters, modules)
    if page is not None:
        people = (people.order_by(*_order(people.selected_columns, filters))
                  .limit(page.size).offset(page.offset))
    chosen = people.cte("chosen")
    progress = cells(select(chosen.c.id), modules)
    stmt = (select(chosen.c.id, chosen.c.name, chosen.c.email, chosen.c.unit_name,
                   progress.c.module_slug, progress.c.rank, progress.c.best)
            .outerjoin(progress, progress.c.user_id == chosen.c.id)
            .order_by(*_order(chosen.c, filters)))
    index = {module.slug: number for number, module in enumerate(modules)}
    result = db.session.connection().execute(stmt.execution_options(yield_per=1000))
    for (user_id, name, email, unit), rows in groupby(result, key=lambda row: row[:4]):
        found = [NO_PROGRESS] * len(modules)
        for *_person, slug, rank, best in rows:
            if slug is not None:
                found[index[slug]] = Cell(RANKS[rank], best)
        yield MatrixRow(user_id, name, email, unit, tuple(found))


def page_of(scope, filters: ReportFilters) -> Page:
    return Page(filters.page, filters.per_page, report_filters.count(report_filters.people(scope, filters)))


def module_totals(scope, filters: ReportFilters, path: LearningPath, people: int) -> list[ModuleTotal]:
    """Per module, how many of all the filtered people are in each status (one statement)."""
    modules = path_modules(path)
    progress = cells(report_filters.people(scope, filters).with_only_columns(User.id), modules)
    rows = db.session.execute(select(progress.c.module_slug, progress.c.rank, func.count())
                              .group_by(progress.c.module_slug, progress.c.rank)).all()
    totals = []
    for module in modules:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for slug, rank, number in rows:
            if slug == module.slug and rank:
                counts[RANKS[rank]] += number
        counts[Status.NOT_STARTED] = people - sum(counts.values())
        totals.append(ModuleTotal(module, counts))
    return totals


def unit_totals(scope, filters: ReportFilters, path: LearningPath) -> list[UnitTotal]:
    """Per unit of the filtered people (their own unit): people, and how many completed every module
    of the path (two statements: the counts, and the units' names)."""
    modules = path_modules(path)
    people = report_filters.people(scope, filters).subquery("people")
    done = completed_counts(select(people.c.id), modules)
    complete = case((func.coalesce(done.c.done, 0) >= len(modules), 1), else_=0)
    rows = db.session.execute(
        select(Unit.path, func.count(), func.sum(complete))
        .select_from(people).outerjoin(done, done.c.user_id == people.c.id)
        .outerjoin(Unit, Unit.id == people.c.unit_id).group_by(Unit.id, Unit.path)).all()
    labels = unit_labels(path for path, _people, _complete in rows)
    totals = [UnitTotal(labels.get(unit_path, "") if unit_path else "", count, int(complete or 0))
              for unit_path, count, complete in rows]
    return sorted(totals, key=lambda total: [danish_sort_key(part) for part in total.unit.split(" › ")])


def columns(path: LearningPath, locale: str) -> tuple[Column, ...]:
    modules = path_modules(path)
    per_module = []
    for module in modules:
        title = module.text(locale).title
        per_module += [Column(f"{module.slug}-status", _l("%(module)s status", module=title)),
                       Column(f"{module.slug}-score", _l("%(module)s best score", module=title),
                              Kind.PERCENT)]
    return (Column("name", _l("Name")), Column("email", _l("E-mail")), Column("unit", _l("Unit")),
            *per_module, Column("completed", _l("Modules completed"), Kind.INTEGER))


def table(scope, filters: ReportFilters, path: LearningPath, locale: str) -> Table:
    """The whole matrix (every filtered person, in the page's order) for the exports."""
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}

    def rows():
        for row in matrix_rows(scope, filters, path):
            values = [row.name, row.email, row.unit]
            for cell in row.cells:
                values += [labels[cell.status], cell.best_score]
            yield (*values, row.completed)

    return Table("completion", columns(path, locale), rows())
