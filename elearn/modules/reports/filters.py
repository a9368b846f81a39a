"""What every report is filtered by (unit, role, cohort, path), sorted and paged by, parsed from the
query string and checked against the viewer's scope, and the people a filter selects."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select

from elearn.errors import DomainError, NotFound
from elearn.extensions import db
from elearn.forms import bounded_int
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.auth.models import Role, User, UserRole
from elearn.modules.courses.services import catalogue
from elearn.modules.units.models import Unit

PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class ReportFilters:
    unit_id: int | None = None
    unit_path: str | None = None  # the chosen unit's materialised path: its subtree is a prefix
    role: Role | None = None
    cohort_id: int | None = None
    path_slug: str | None = None
    sort: str = ""
    descending: bool = False
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE

    def query_args(self, **changes) -> dict:
        """The filter as query-string arguments, for links, pagination and the export buttons."""
        current = replace(self, **changes)
        args = {"unit": current.unit_id, "role": current.role and current.role.value,
                "cohort": current.cohort_id, "path": current.path_slug, "sort": current.sort,
                "dir": "desc" if current.descending else None,
                "page": current.page if current.page > 1 else None,
                "per_page": current.per_page if current.per_page != DEFAULT_PAGE_SIZE else None}
        return {key: value for key, value in args.items() if value}

    def audit_details(self) -> dict:
        """What the export was filtered by, for the audit trail (no paging)."""
        return self.query_args(page=1, per_page=DEFAULT_PAGE_SIZE)


def _number(args, name: str) -> int | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return bounded_int(raw)
    except ValueError:
        raise DomainError(_l("The address has a value that is not a number: %(name)s.",
                             name=name)) from None


def _unit(unit_id: int | None, scope: set[int] | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or (scope is not None and unit.id not in scope):
        raise NotFound(_l("No such unit."))
    return unit


def _cohort(cohort_id: int | None, scope: set[int] | None) -> Cohort | None:
    if cohort_id is None:
        return None
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or (scope is not None and cohort.unit_id not in scope):
        raise NotFound(_l("No such cohort."))
    return cohort


def _path(slug: str, default: str | None, required: bool) -> str | None:
    slug = slug.strip() or default or ""
    if not slug:
        if required and catalogue().paths:
            return catalogue().paths[0].slug
        return None
    if catalogue().path(slug) is None:
        raise NotFound(_l("No such learning path."))
    return slug


def parse(args, scope: set[int] | None, *, sorts: tuple[str, ...] = ("name",),
          path_required: bool = False, default_path: str | None = None) -> ReportFilters:
    """The filters in the query string args; a unit or cohort outside scope is "not found" (its
    existence is not revealed), a malformed value a clear 400. sorts: the allowed sort keys, the
    first being the default."""
    role = args.get("role", "").strip()
    if role and role not in Role._value2member_map_:
        raise DomainError(_l("Unknown role in the address."))
    sort = args.get("sort", "").strip() or sorts[0]
    if sort not in sorts:
        raise DomainError(_l("This report cannot be sorted that way."))
    per_page = _number(args, "per_page") or DEFAULT_PAGE_SIZE
    if per_page not in PAGE_SIZES:
        raise DomainError(_l("Choose 25, 50, 100, 200 or 500 rows per page."))
    unit = _unit(_number(args, "unit"), scope)
    cohort = _cohort(_number(args, "cohort"), scope)
    return ReportFilters(unit_id=unit and unit.id, unit_path=unit and unit.path,
                         role=Role(role) if role else None, cohort_id=cohort and cohort.id,
                         path_slug=_path(args.get("path", ""), default_path, path_required),
                         sort=sort, descending=args.get("dir", "") == "desc",
                         page=max(_number(args, "page") or 1, 1), per_page=per_page)


def people(scope: set[int] | None, filters: ReportFilters) -> Select:
    """Active users in scope who match the filters: SELECT user.id, name, email, unit_id (callers add
    columns, joins, ordering and limits). The unit filter includes the unit's sub-units."""
    stmt = select(User.id, User.name, User.email, User.unit_id).where(User.active.is_(True))
    if scope is not None:
        stmt = stmt.where(User.unit_id.in_(scope))
    if filters.unit_path:
        stmt = stmt.where(User.unit_id.in_(select(Unit.id).where(
            Unit.path.startswith(filters.unit_path, autoescape=True))))
    if filters.role:
        stmt = stmt.where(exists().where(UserRole.user_id == User.id, UserRole.role == filters.role))
    if filters.cohort_id:
        stmt = stmt.where(exists().where(CohortMember.user_id == User.id,
                                         CohortMember.cohort_id == filters.cohort_id))
    return stmt


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def offset(self) -> int:
        return (min(self.number, self.pages) - 1) * self.size

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.offset + self.size, self.total)
