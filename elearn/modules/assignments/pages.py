"""What the assignment pages show, as finished values: target titles, audience labels, state counts,
the people an assignment reaches, and the choices of the forms (limited to the viewer's scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from elearn.clock import local_date
from elearn.extensions import db
from elearn.modules.admin.services import units_in_scope
from elearn.modules.assignments import queries
from elearn.modules.assignments.cohorts import cohorts_in_scope, in_scope
from elearn.modules.assignments.models import Assignment, Audience, Cohort, TargetKind
from elearn.modules.assignments.queries import AssignmentState, state_of
from elearn.modules.assignments.services import targets, visible
from elearn.modules.auth.models import User
from elearn.modules.units.models import Unit
from elearn.modules.units.services import tree

PAGE_SIZE = 50
KIND_LABELS = {TargetKind.PATH: _l("Learning path"), TargetKind.MODULE: _l("Module")}
STATE_LABELS = {AssignmentState.COMPLETED: _l("Completed"), AssignmentState.ON_TRACK: _l("On track"),
                AssignmentState.OVERDUE: _l("Overdue")}


def people_in(scope: set[int] | None):
    """The ids of the people the viewer may see, as a subquery (None: everyone)."""
    return None if scope is None else select(User.id).where(User.unit_id.in_(scope))


@dataclass(frozen=True)
class AssignmentLine:
    id: int
    title: str
    kind_label: object
    audience_label: str
    due_on: date
    manageable: bool
    completed: int = 0
    on_track: int = 0
    overdue: int = 0


def _audience_label(assignment: Assignment, person: str | None, unit: str | None,
                    cohort: str | None, manageable: bool) -> str:
    if not manageable:
        return _("Set outside your units")
    if assignment.audience == Audience.PERSON:
        return person or ""
    if assignment.audience == Audience.UNIT:
        return _("%(unit)s and its sub-units", unit=unit)
    return _("Cohort %(name)s", name=cohort)


def _shown(scope: set[int] | None, assignment_id: int | None) -> list:
    shown = [Assignment.withdrawn_at.is_(None), visible(scope)]
    if assignment_id is not None:
        shown.append(Assignment.id == assignment_id)
    return shown


def _lines_query(shown: list) -> Select:
    return (select(Assignment, User.name, User.unit_id, Unit.name, Cohort.name, Cohort.unit_id)
            .outerjoin(User, User.id == Assignment.user_id)
            .outerjoin(Unit, Unit.id == Assignment.unit_id)
            .outerjoin(Cohort, Cohort.id == Assignment.cohort_id)
            .where(*shown).order_by(Assignment.due_on, Assignment.id))


def _lines(rows, counts: dict, scope: set[int] | None, locale: str) -> list[AssignmentLine]:
    lines = []
    for assignment, person, person_unit, unit, cohort, cohort_unit in rows:
        unit_id = {Audience.PERSON: person_unit, Audience.UNIT: assignment.unit_id,
                   Audience.COHORT: cohort_unit}[assignment.audience]
        manageable = scope is None or in_scope(scope, unit_id)
        count = counts.get(assignment.id)
        lines.append(AssignmentLine(
            assignment.id, queries.target_title(assignment.target_kind, assignment.target_slug, locale),
            KIND_LABELS[assignment.target_kind],
            _audience_label(assignment, person, unit, cohort, manageable), assignment.due_on,
            manageable, *((count.completed, count.on_track, count.overdue) if count else ())))
    return lines


def _counts(scope: set[int] | None, now: datetime, assignment_ids) -> dict:
    return {row.assignment_id: row for row in db.session.execute(
        queries.state_counts(now, people_in(scope), assignment_ids))}


def assignment_lines(scope: set[int] | None, now: datetime, locale: str,
                     assignment_id: int | None = None) -> list[AssignmentLine]:
    """The live assignments the viewer sees (or the one of assignment_id), by due date, with the
    state counts of the people in their scope (two statements whatever the number of assignments
    and people)."""
    shown = _shown(scope, assignment_id)
    counts = _counts(scope, now, select(Assignment.id).where(*shown))
    return _lines(db.session.execute(_lines_query(shown)), counts, scope, locale)


def assignment_page(scope: set[int] | None, now: datetime, locale: str, page: int) -> Page:
    """One page (PAGE_SIZE) of `assignment_lines`, the counts made for that page's assignments only
    (three statements)."""
    query = _lines_query(_shown(scope, None))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    counts = _counts(scope, now, [row[0].id for row in rows]) if rows else {}
    return Page(_lines(rows, counts, scope, locale), page, pages, total)


@dataclass(frozen=True)
class PersonLine:
    name: str
    unit: str
    state: AssignmentState
    state_label: object


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    pages: int
    total: int


def people_page(assignment_id: int, scope: set[int] | None, now: datetime, page: int) -> Page:
    """One page of the people the assignment reaches in the viewer's scope (two statements)."""
    query = queries.people(now, assignment_id, people_in(scope))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    today = local_date(now)
    items = []
    for row in db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)):
        state = state_of(row.completed, row.due_on, today)
        items.append(PersonLine(row.name, row.unit_name or "—", state, STATE_LABELS[state]))
    return Page(items, page, pages, total)


def target_choices(locale: str) -> list[tuple[str, str]]:
    return [(target.key, f"{KIND_LABELS[target.kind]}: "
             f"{queries.target_title(target.kind, target.slug, locale)}") for target in targets()]


def unit_choices(scope: set[int] | None, blank) -> list[tuple]:
    return [("", blank)] + [(row.unit.id, "\u2003" * row.depth + row.unit.name)
                            for row in tree(units_in_scope(scope))]


def cohort_choices(scope: set[int] | None) -> list[tuple]:
    return [("", _("— choose a cohort —"))] + [(row.cohort.id, f"{row.cohort.name} ({row.unit_name})")
                                               for row in cohorts_in_scope(scope)]
