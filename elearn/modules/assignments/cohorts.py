"""Cohort rules: named groups of people in a unit's subtree, managed by the unit's coordinators; members
added by hand or from a CSV of e-mail addresses (previewed first, like the roster import)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from elearn.errors import Conflict, DomainError, NotFound
from elearn.extensions import db
from elearn.modules.admin import roster
from elearn.modules.admin.roster import RowProblem
from elearn.modules.assignments.models import Assignment, Cohort, CohortMember
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import User
from elearn.modules.units.models import Unit
from elearn.modules.units.services import get_unit
from elearn.search import folded

NAME_MAX = 120
EMAIL_HEADERS = roster.HEADER_ALIASES["email"]
LOOKUP_CHUNK = 500


def in_scope(scope: set[int] | None, unit_id: int | None) -> bool:
    """Whether a unit is within a coordinator's scope (None: an admin's, everything)."""
    return scope is None or (unit_id is not None and unit_id in scope)


def get_cohort(cohort_id: int, scope: set[int] | None) -> Cohort:
    """The cohort, if its unit is in scope; NotFound otherwise (also for ids out of scope)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not in_scope(scope, cohort.unit_id):
        raise NotFound(_l("No such cohort."))
    return cohort


@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    unit_name: str
    members: int


def cohorts_in_scope(scope: set[int] | None) -> list[CohortRow]:
    """The cohorts of the units in scope with their unit's name and how many of their members the
    viewer may see (people in scope, as the cohort's page lists them), in one query."""
    members = select(CohortMember.cohort_id, func.count().label("n")).group_by(CohortMember.cohort_id)
    if scope is not None:
        members = members.join(User, User.id == CohortMember.user_id).where(User.unit_id.in_(scope))
    members = members.subquery()
    stmt = (select(Cohort, Unit.name, func.coalesce(members.c.n, 0))
            .join(Unit, Unit.id == Cohort.unit_id)
            .outerjoin(members, members.c.cohort_id == Cohort.id)
            .order_by(func.lower(Cohort.name), Cohort.id))
    if scope is not None:
        stmt = stmt.where(Cohort.unit_id.in_(scope))
    return [CohortRow(cohort, unit_name, count) for cohort, unit_name, count in db.session.execute(stmt)]


def _name(name: str, unit_id: int, cohort_id: int | None) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise DomainError(_l("Give the cohort a name of 1–%(max)d characters.", max=NAME_MAX),
                          field="name")
    clash = db.session.scalar(select(Cohort.id).where(Cohort.unit_id == unit_id,
                                                      folded(Cohort.name) == name.lower()))
    if clash is not None and clash != cohort_id:
        raise _name_taken(name)
    return name


def _name_taken(name: str) -> Conflict:
    return Conflict(_l("The unit already has a cohort called %(name)s.", name=name), field="name")


def _save_name(cohort: Cohort, name: str) -> None:
    """Give the cohort its name and flush it in a savepoint: a cohort of the same name saved at the
    same moment (the unique key) is a Conflict on the name field, not a failed request."""
    try:
        with db.session.begin_nested():
            cohort.name = name
            db.session.add(cohort)
            db.session.flush()
    except IntegrityError:
        raise _name_taken(name) from None


def create_cohort(actor: User, name: str, unit_id: int) -> Cohort:
    """A new, empty cohort in a unit of the actor's scope (flushed). Raises DomainError/Conflict on
    the name field, NotFound for a unit out of scope."""
    scope = accounts.scope_unit_ids(actor)
    if not in_scope(scope, unit_id):
        raise NotFound(_l("No such unit."))
    unit = get_unit(unit_id)
    cohort = Cohort(unit_id=unit.id, created_by_id=actor.id)
    _save_name(cohort, _name(name, unit.id, None))
    record(actor.id, "cohort.create", f"cohort:{cohort.id}", name=cohort.name, unit_id=unit.id)
    return cohort


def rename_cohort(actor: User, cohort: Cohort, name: str) -> Cohort:
    """Rename; raises DomainError/Conflict on the name field."""
    old = cohort.name
    _save_name(cohort, _name(name, cohort.unit_id, cohort.id))
    record(actor.id, "cohort.rename", f"cohort:{cohort.id}", old=old, new=cohort.name)
    return cohort


def delete_cohort(actor: User, cohort: Cohort) -> None:
    """Remove the cohort and its memberships; raises Conflict once anything was assigned to it,
    withdrawn or not, since deleting the cohort would delete those assignments' history."""
    if db.session.scalar(select(exists().where(Assignment.cohort_id == cohort.id))):
        raise Conflict(_l("The cohort cannot be deleted: it has assignments (withdrawn ones too), and "
                          "their history is kept. Rename it or remove its members instead."))
    record(actor.id, "cohort.delete", f"cohort:{cohort.id}", name=cohort.name)
    db.session.delete(cohort)
    db.session.flush()


def members(cohort: Cohort, scope: set[int] | None) -> list[User]:
    """The cohort's members the viewer may see (people in scope), by name."""
    stmt = (select(User).join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id).order_by(func.lower(User.name), User.id))
    if scope is not None:
        stmt = stmt.where(User.unit_id.in_(scope))
    return list(db.session.scalars(stmt))


def _member_ids(cohort: Cohort) -> set[int]:
    return set(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))


def refusal(user: User | None, email: str, unit: Unit, scope: set[int] | None):
    """Why the person with this e-mail address (user, None when there is none) cannot be in a
    cohort of unit for a coordinator with scope (None when they can). An unknown address and a
    person outside scope get the same answer, so the form cannot tell which addresses have accounts."""
    if user is None or not in_scope(scope, user.unit_id):
        return _l("No one in your units has the e-mail address %(email)s.", email=email)
    if not user.active:
        return _l("%(name)s's account is deactivated.", name=user.name)
    if user.unit is None or not user.unit.path.startswith(unit.path):
        return _l("%(name)s is not in %(unit)s or a unit below it.", name=user.name, unit=unit.name)
    return None


def add_member(actor: User, cohort: Cohort, email: str) -> User:
    """Add the person with this e-mail address; raises DomainError (field email) naming the person
    when they are unknown, inactive, outside the cohort's unit or the actor's scope, or already in."""
    address = accounts.normalize_email(email)
    user = accounts.find_user_by_email(address)
    problem = refusal(user, address, get_unit(cohort.unit_id), accounts.scope_unit_ids(actor))
    if problem:
        raise DomainError(problem, field="email")
    if not _insert(actor, cohort, [user.id], "cohort.add_member"):
        raise Conflict(_l("%(name)s is already in the cohort.", name=user.name), field="email")
    return user


def remove_member(actor: User, cohort: Cohort, user_id: int) -> None:
    """Take a member in the actor's scope out of the cohort; NotFound otherwise."""
    member = db.session.get(CohortMember, (cohort.id, user_id))
    user = db.session.get(User, user_id)
    if member is None or user is None or not in_scope(accounts.scope_unit_ids(actor), user.unit_id):
        raise NotFound(_l("No such member."))
    db.session.delete(member)
    db.session.flush()
    record(actor.id, "cohort.remove_member", f"cohort:{cohort.id}", user_id=user_id)


def _insert(actor: User, cohort: Cohort, user_ids: Iterable[int], action: str) -> list[int]:
    """Add the members not in yet (ON CONFLICT DO NOTHING, so the same person added twice at the
    same moment is no error); the ids added, which the audit records."""
    rows = [{"cohort_id": cohort.id, "user_id": user_id} for user_id in user_ids]
    if not rows:
        return []
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(CohortMember).on_conflict_do_nothing(index_elements=["cohort_id", "user_id"])
            .returning(CohortMember.user_id))
    added = sorted(db.session.scalars(stmt, rows))
    if added:
        record(actor.id, action, f"cohort:{cohort.id}", user_ids=added)
    return added


@dataclass(frozen=True)
class ImportRow:
    line: int
    user_id: int
    email: str
    name: str


@dataclass(frozen=True)
class ImportPlan:
    additions: tuple[ImportRow, ...]
    already: tuple[ImportRow, ...]
    problems: tuple[RowProblem, ...]


def _email_rows(reader) -> list[tuple[int, str]]:
    header = [title.strip().casefold() for title in next(reader)]
    column = next((index for index, title in enumerate(header) if title in EMAIL_HEADERS), None)
    if column is None:
        raise DomainError(_l("Line 1: the header must name the column email (a name column may be "
                             "there too)."))
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= roster.MAX_ROWS:
            raise DomainError(_l("The file has more than %(count)d rows.", count=roster.MAX_ROWS))
        rows.append((reader.line_num, cells[column].strip() if column < len(cells) else ""))
    return rows


def _users_by_email(emails: list[str]) -> dict[str, User]:
    found = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start:start + LOOKUP_CHUNK]
        found.update((user.email, user) for user in db.session.scalars(
            select(User).where(User.email.in_(chunk))))
    return found


def plan_import(actor: User, cohort: Cohort, text: str) -> ImportPlan:
    """What importing the CSV text (a column email; others ignored) would add, which lines are
    already members, and each bad line with its reason. Writes nothing; raises DomainError for a
    file that cannot be read at all (empty, binary, no email column)."""
    rows = roster.parse_csv(text, _email_rows)
    checked, problems, seen = [], [], {}
    for line, cell in rows:
        try:
            email = accounts.normalize_email(cell)
        except DomainError:
            problems.append(RowProblem(line, _l("not a valid e-mail address")))
            continue
        if email in seen:
            problems.append(RowProblem(line, _l("duplicate of line %(other)d", other=seen[email])))
            continue
        seen[email] = line
        checked.append((line, email))
    users = _users_by_email([email for _line, email in checked])
    unit, scope, current = get_unit(cohort.unit_id), accounts.scope_unit_ids(actor), _member_ids(cohort)
    additions, already = [], []
    for line, email in checked:
        user = users.get(email)
        problem = refusal(user, email, unit, scope)
        if problem:
            problems.append(RowProblem(line, problem))
            continue
        row = ImportRow(line, user.id, user.email, user.name)
        (already if user.id in current else additions).append(row)
    return ImportPlan(tuple(additions), tuple(already), tuple(sorted(problems, key=lambda p: p.line)))


def apply_import(actor: User, cohort: Cohort, text: str) -> ImportPlan:
    """Add the good lines of the CSV text (the plan is made again, so the file is checked as it is
    now); bad lines are skipped. Returns the plan applied."""
    plan = plan_import(actor, cohort, text)
    if plan.additions:
        _insert(actor, cohort, [row.user_id for row in plan.additions], "cohort.import")
    return plan
