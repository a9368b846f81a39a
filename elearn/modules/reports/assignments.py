"""The assignments report: per unit, how many person-assignments are completed, on track or overdue
(a person with two assignments counts twice, each person in their own unit), and every overdue
person-assignment; the export lists every assigned person in the filter, in the page's order.

Built on `assignments.queries.statuses` (who each assignment reaches and whether they have completed
it) narrowed to the people the filter selects. A chosen learning path keeps the assignments whose
target is that path or one of its modules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from elearn.clock import local_date
from elearn.extensions import db
from elearn.modules.assignments.models import TargetKind
from elearn.modules.assignments.pages import KIND_LABELS, STATE_LABELS
from elearn.modules.assignments.queries import AssignmentState, state_of, statuses, target_title
from elearn.modules.auth.models import User
from elearn.modules.certification.directory import unit_labels
from elearn.modules.courses.services import catalogue
from elearn.modules.reports.filters import Page, ReportFilters, count, name_order, people, unit_order
from elearn.modules.reports.tables import Column, Kind, Table
from elearn.modules.units import services as units
from elearn.modules.units.models import Unit

SORTS = ("name", "unit", "due")
COLUMNS = (Column("name", _l("Name")), Column("email", _l("E-mail")), Column("unit", _l("Unit")),
           Column("target", _l("Assignment target")), Column("kind", _l("Target kind")),
           Column("due", _l("Due"), Kind.DATE), Column("state", _l("State")),
           Column("days_overdue", _l("Days overdue"), Kind.INTEGER))


@dataclass(frozen=True)
class UnitLine:
    unit_id: int | None
    name: str | None  # None: people without a unit
    label: str | None  # the unit with the units above it ("District › Team 1"), as coverage shows them
    completed: int = 0
    on_track: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.on_track + self.overdue

    @property
    def on_track_or_done(self) -> float | None:
        return (self.completed + self.on_track) / self.total if self.total else None


@dataclass(frozen=True)
class OverdueLine:
    user_id: int
    name: str
    unit: str | None
    target: str
    kind: TargetKind
    due_on: date
    days_overdue: int


def _statuses(scope: set[int] | None, filters: ReportFilters, now: datetime):
    """statuses() for the filtered people (and the path's targets), as a subquery."""
    query = statuses(now, people=people(scope, filters).with_only_columns(User.id))
    columns = query.selected_columns
    path = catalogue().path(filters.path_slug)
    if path is not None:
        query = query.where(or_(
            and_(columns.target_kind == TargetKind.PATH, columns.target_slug == path.slug),
            and_(columns.target_kind == TargetKind.MODULE, columns.target_slug.in_(path.modules))))
    return query.subquery("status")


def by_unit(scope: set[int] | None, filters: ReportFilters, now: datetime) -> list[UnitLine]:
    """A line per unit that has assigned people (the person's own unit), in tree order, people
    without a unit last, each named with the units above it (a tree with units left out, having no
    one assigned, cannot mislead). One grouped statement for the counts, one for the unit tree, one
    for the names above."""
    status = _statuses(scope, filters, now)
    grouped = (select(User.unit_id, status.c.completed, status.c.due_on, func.count())
               .join(User, User.id == status.c.user_id)
               .group_by(User.unit_id, status.c.completed, status.c.due_on))
    today = local_date(now)
    counts: dict[int | None, dict[AssignmentState, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, completed, due_on, number in db.session.execute(grouped):
        counts[unit_id][state_of(bool(completed), due_on, today)] += number
    if not counts:
        return []
    unit_rows = db.session.scalars(select(Unit) if scope is None else select(Unit).where(Unit.id.in_(scope)))
    order = [(row.unit.id, row.unit.name, row.unit.path) for row in units.tree(unit_rows)
             if row.unit.id in counts]
    labels = unit_labels(path for _id, _name, path in order)
    return [UnitLine(unit_id, name, labels.get(path), *(counts[unit_id][state] for state in AssignmentState))
            for unit_id, name, path in [*order, (None, None, None)] if unit_id in counts]


def total(lines: list[UnitLine]) -> UnitLine:
    return UnitLine(None, None, None, sum(line.completed for line in lines),
                    sum(line.on_track for line in lines), sum(line.overdue for line in lines))


def _overdue_query(scope: set[int] | None, filters: ReportFilters, now: datetime) -> Select:
    """Overdue person-assignments: not completed and due before today (Copenhagen), as `state_of`
    tells them apart, written as SQL so the list can be sorted and paged in the database."""
    status = _statuses(scope, filters, now)
    return (select(status.c.user_id, User.name, Unit.name.label("unit"), status.c.target_kind,
                   status.c.target_slug, status.c.due_on, status.c.assignment_id)
            .join(User, User.id == status.c.user_id).outerjoin(Unit, Unit.id == User.unit_id)
            .where(status.c.completed.is_(False), status.c.due_on < local_date(now)))


def _order(query: Select, filters: ReportFilters) -> Select:
    """The page's order (the export's too): the chosen column, then name, person, due date,
    target and the assignment, so every row has one place and paging never repeats or skips."""
    columns, sort = query.selected_columns, filters.sort or SORTS[0]
    names = name_order(columns.name, columns.user_id)
    if sort == "unit":
        lead = unit_order(columns.unit, filters.descending)
    elif sort == "due":
        lead = [columns.due_on.desc() if filters.descending else columns.due_on]
    else:
        lead, names = [names[0].desc() if filters.descending else names[0]], names[1:]
    return query.order_by(*lead, *names, columns.due_on, columns.target_slug, columns.assignment_id)


def overdue(scope: set[int] | None, filters: ReportFilters, now: datetime,
            locale: str) -> tuple[list[OverdueLine], Page]:
    """One page of overdue person-assignments, sorted as the filters say (two statements)."""
    query = _overdue_query(scope, filters, now)
    page = Page(filters.page, filters.per_page, count(query))
    today = local_date(now)
    rows = db.session.execute(_order(query, filters).limit(page.size).offset(page.offset))
    return [OverdueLine(r.user_id, r.name, r.unit, target_title(r.target_kind, r.target_slug, locale),
                        r.target_kind, r.due_on, (today - r.due_on).days) for r in rows], page


def _rows(query: Select, today: date, locale: str) -> Iterator[tuple]:
    for r in db.session.execute(query.execution_options(yield_per=1000)):
        state = state_of(bool(r.completed), r.due_on, today)
        yield (r.name, r.email, r.unit or "", target_title(r.target_kind, r.target_slug, locale),
               KIND_LABELS[r.target_kind], r.due_on, STATE_LABELS[state],
               (today - r.due_on).days if state is AssignmentState.OVERDUE else None)


def table(scope: set[int] | None, filters: ReportFilters, now: datetime, locale: str) -> Table:
    """Every assigned person in the filter, a row per person-assignment, sorted as the page is
    (streamed)."""
    status = _statuses(scope, filters, now)
    query = (select(User.id.label("user_id"), User.name, User.email, Unit.name.label("unit"),
                    status.c.target_kind, status.c.target_slug, status.c.due_on, status.c.completed,
                    status.c.assignment_id)
             .join(User, User.id == status.c.user_id).outerjoin(Unit, Unit.id == User.unit_id))
    return Table("assignments", COLUMNS, _rows(_order(query, filters), local_date(now), locale))
