"""Set-based queries over assignments: whom each assignment reaches (`assignees`), whether each of
them has completed it (`statuses`), and a learner's open assignments (`for_learner`). The reports read
`assignees` and `statuses` too, so their columns are a contract: change them with the reports.

Each is one statement whatever the number of people; they run on SQLite and PostgreSQL alike."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import Boolean, Select, and_, case, exists, false, func, literal, select, type_coerce
from sqlalchemy.orm import aliased

from elearn.clock import local_date
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, CohortMember, TargetKind
from elearn.modules.auth.models import User
from elearn.modules.certification.models import CertificateAward
from elearn.modules.courses.services import catalogue
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.units.models import Unit


class AssignmentState(enum.StrEnum):
    COMPLETED = "completed"
    ON_TRACK = "on-track"
    OVERDUE = "overdue"


def state_of(completed: bool, due_on: date, today: date) -> AssignmentState:
    """A person's state in an assignment; today is the Copenhagen date (`clock.local_date(now)`).
    Due on due_on means due by the end of that day, so it is overdue from the next day on."""
    if completed:
        return AssignmentState.COMPLETED
    return AssignmentState.OVERDUE if today > due_on else AssignmentState.ON_TRACK


def assignees(user_id: int | None = None, people=None, assignment_ids=None) -> Select:
    """Columns (assignment_id, user_id): every assignment not withdrawn, with each active person it
    reaches now. PERSON: that person; UNIT: everyone in the unit or a unit below it (by the
    materialised `Unit.path` prefix, so sub-units and people who joined later are in); COHORT: the
    cohort's members. A pair appears once. Use it as a subquery.

    The narrowing arguments are applied inside each branch, so no database has to push a filter
    down through the union: user_id, one person (the dashboard); people, the user ids to keep (a
    list or a Select of ids, e.g. the people a report or a coordinator sees); assignment_ids, the
    assignments to keep (a list or a Select of ids)."""
    live = [Assignment.withdrawn_at.is_(None)]
    if assignment_ids is not None:
        live.append(Assignment.id.in_(assignment_ids))
    active = [User.active.is_(True)] + ([User.id == user_id] if user_id is not None else [])
    # A long list of people must not drive the unit branch (SQLite would probe the unit index once
    # per person and unit): `User.id + 0` leaves the join to ix_user_unit_id and tests membership.
    chosen = [] if people is None else [User.id.in_(people)]
    chosen_by_unit = [] if people is None else [(User.id + 0).in_(people)]
    person = (select(Assignment.id.label("assignment_id"), User.id.label("user_id"))
              .join(User, User.id == Assignment.user_id)
              .where(Assignment.audience == Audience.PERSON, *live, *active, *chosen))
    members = _unit_members(live)
    unit = (select(members.c.assignment_id, User.id).join(User, User.unit_id == members.c.unit_id)
            .where(*active, *chosen_by_unit))
    cohort = (select(Assignment.id, CohortMember.user_id)
              .join(CohortMember, CohortMember.cohort_id == Assignment.cohort_id)
              .join(User, User.id == CohortMember.user_id)
              .where(Assignment.audience == Audience.COHORT, *live, *active, *chosen))
    reached = person.union_all(unit, cohort).subquery("reached")
    return select(reached.c.assignment_id, reached.c.user_id)


def _unit_members(live: list):
    """(assignment_id, unit_id): each live unit assignment with its unit and every unit below it, as
    a materialised CTE. The units are expanded first (a few hundred rows), then joined to the people
    by their unit index; joining people to the path prefix directly made SQLite scan every user
    for every unit assignment."""
    audience_unit, member_unit = aliased(Unit), aliased(Unit)
    return (select(Assignment.id.label("assignment_id"), member_unit.id.label("unit_id"))
            .join(audience_unit, audience_unit.id == Assignment.unit_id)
            .join(member_unit, member_unit.path.startswith(audience_unit.path))
            .where(Assignment.audience == Audience.UNIT, *live)
            .cte().prefix_with("MATERIALIZED"))


def _current_major(slug_column):
    """The current major version of the module named in slug_column (-1 for an unknown slug)."""
    majors = {slug: module.version.major for slug, module in catalogue().modules.items()}
    return case(majors, value=slug_column, else_=-1) if majors else literal(-1)


def _completed_at_current_major(user_id, slug_column):
    return and_(ModuleProgress.user_id == user_id, ModuleProgress.module_slug == slug_column,
                ModuleProgress.major_version == _current_major(slug_column),
                ModuleProgress.completed_at.is_not(None))


def completion(kind_column, slug_column, user_id, now: datetime):
    """A boolean SQL expression: has user_id completed the target (kind_column, slug_column)?
    Module: completed (or updated) at its current major version. Certifying path: a valid
    certificate (not revoked, not expired at now). Other path: every module of it completed at its
    current major version. Unknown targets are never completed."""
    module_done = exists().where(_completed_at_current_major(user_id, slug_column))
    certified = exists().where(CertificateAward.user_id == user_id,
                               CertificateAward.path_slug == slug_column,
                               CertificateAward.revoked_at.is_(None), CertificateAward.expires_at > now)
    whens = [(kind_column == TargetKind.MODULE, module_done)]
    certifying = [path.slug for path in catalogue().paths if path.certification]
    if certifying:
        whens.append((and_(kind_column == TargetKind.PATH, slug_column.in_(certifying)), certified))
    for path in catalogue().paths:
        if path.certification or not path.modules:
            continue
        modules = sorted(set(path.modules))
        done = (select(func.count()).where(
            ModuleProgress.user_id == user_id, ModuleProgress.module_slug.in_(modules),
            ModuleProgress.major_version == _current_major(ModuleProgress.module_slug),
            ModuleProgress.completed_at.is_not(None)).scalar_subquery())
        whens.append((and_(kind_column == TargetKind.PATH, slug_column == path.slug),
                      done == len(modules)))
    return type_coerce(case(*whens, else_=false()), Boolean)


def statuses(now: datetime, user_id: int | None = None, people=None, assignment_ids=None) -> Select:
    """Columns (assignment_id, user_id, target_kind, target_slug, due_on, completed): one row per
    pair of `assignees()`, with whether the person has completed the target at now (see
    `completion`). Overdue is `not completed and due_on < today` (Copenhagen date; `state_of`).
    Use it as a subquery for grouped counts. user_id (one person), people (the user ids in scope)
    and assignment_ids narrow it inside `assignees`, which is much faster than filtering the
    result."""
    reached = assignees(user_id, people, assignment_ids).subquery("assignee")
    return (select(reached.c.assignment_id, reached.c.user_id, Assignment.target_kind,
                   Assignment.target_slug, Assignment.due_on,
                   completion(Assignment.target_kind, Assignment.target_slug, reached.c.user_id,
                              now).label("completed"))
            .select_from(reached).join(Assignment, Assignment.id == reached.c.assignment_id))


@dataclass(frozen=True)
class LearnerAssignment:
    """One line of "Your assignments" on the dashboard."""

    title: str
    url: str
    due_on: date
    state: AssignmentState

    @property
    def overdue(self) -> bool:
        return self.state == AssignmentState.OVERDUE


def target_title(kind: TargetKind, slug: str, locale: str) -> str:
    """The path's or module's title in locale (the slug when the content no longer has it)."""
    if kind == TargetKind.PATH:
        path = catalogue().path(slug)
        return path.title(locale) if path else slug
    module = catalogue().module(slug)
    return module.text(locale).title if module else slug


def target_endpoint(kind: TargetKind) -> str:
    """The page of a target of this kind (its slug is the `slug` argument): for links and e-mails."""
    return "certification.path" if kind == TargetKind.PATH else "courses.module"


def target_url(kind: TargetKind, slug: str) -> str:
    return url_for(target_endpoint(kind), slug=slug)


def for_learner(user_id: int, now: datetime, locale: str) -> list[LearnerAssignment]:
    """The person's open (not completed) assignments, one per target (the earliest due date wins),
    overdue first, then by due date. One statement."""
    query = statuses(now, user_id)
    columns = query.selected_columns
    rows = db.session.execute(query.where(columns.completed.is_(False))
                              .order_by(columns.due_on)).all()
    today = local_date(now)
    earliest = {}
    for row in rows:
        earliest.setdefault((row.target_kind, row.target_slug), row)
    items = [LearnerAssignment(target_title(kind, slug, locale), target_url(kind, slug), row.due_on,
                               state_of(False, row.due_on, today))
             for (kind, slug), row in earliest.items()]
    return sorted(items, key=lambda item: (not item.overdue, item.due_on, item.title))


def state_counts(now: datetime, people=None, assignment_ids=None) -> Select:
    """Columns (assignment_id, completed, on_track, overdue): how many people of each assignment are
    in each state at now, in one grouped statement. people: None for everyone, else the user ids to
    count (a list or a subquery, e.g. the people in a coordinator's units); assignment_ids: None for
    every assignment, else the ones to count (a list or a subquery)."""
    reached = statuses(now, people=people, assignment_ids=assignment_ids).subquery()
    today = local_date(now)
    done = reached.c.completed.is_(True)
    late = and_(reached.c.completed.is_(False), reached.c.due_on < today)
    return (select(reached.c.assignment_id,
                   func.sum(case((done, 1), else_=0)).label("completed"),
                   func.sum(case((and_(~done, ~late), 1), else_=0)).label("on_track"),
                   func.sum(case((late, 1), else_=0)).label("overdue"))
            .group_by(reached.c.assignment_id))


def people(now: datetime, assignment_id: int, people=None) -> Select:
    """Columns (user_id, name, unit_name, due_on, completed): who one assignment reaches (narrowed to
    people, as in `state_counts`), those not completed first, then by name."""
    reached = statuses(now, people=people, assignment_ids=[assignment_id]).subquery()
    return (select(reached.c.user_id, User.name, Unit.name.label("unit_name"), reached.c.due_on,
                   reached.c.completed)
            .join(User, User.id == reached.c.user_id).outerjoin(Unit, Unit.id == User.unit_id)
            .order_by(reached.c.completed, func.lower(User.name), User.id))
