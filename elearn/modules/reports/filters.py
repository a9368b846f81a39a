"""What every report is filtered by (unit, role, cohort, path), sorted and paged by, parsed from the
query string and checked against the viewer's scope, and the people a filter selects.

Each report declares the filters it reads (`reads`) and its own arguments (`extras`, e.g. the
certificate state or the trends period); anything else in the address is ignored, so it is neither
applied nor written to the audit trail nor offered in the filter form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select

from elearn.errors import DomainError, NotFound
from elearn.extensions import db
from elearn.forms import bounded_int
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.auth.models import Role, User, UserRole
from elearn.modules.courses.services import catalogue
from elearn.modules.units.models import Unit
from elearn.search import sort_key

PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50
FILTERS = ("unit", "role", "cohort", "path")


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
    reads: tuple[str, ...] = FILTERS  # the shared filters the report reads (and its form shows)
    extras: tuple[tuple[str, str], ...] = ()  # the report's own arguments, as (name, value) text

    def extra_arg(self, name: str) -> str | None:
        return dict(self.extras).get(name)

    def query_args(self, **changes) -> dict:
        """The filter as query-string arguments, for links, pagination and the export buttons;
        changes may name a field or one of the report's own arguments (None drops it)."""
        names = {f.name for f in fields(self)}
        own = dict(self.extras) | {key: value for key, value in changes.items() if key not in names}
        current = replace(self, **{key: value for key, value in changes.items() if key in names})
        args = {"unit": current.unit_id, "role": current.role and current.role.value,
                "cohort": current.cohort_id, "path": current.path_slug, **own, "sort": current.sort,
                "dir": "desc" if current.descending else None,
                "page": current.page if current.page > 1 else None,
                "per_page": current.per_page if current.per_page != DEFAULT_PAGE_SIZE else None}
        return {key: str(value) if key in own else value for key, value in args.items() if value}

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


def _role(raw: str) -> Role | None:
    raw = raw.strip()
    if raw and raw not in Role._value2member_map_:
        raise DomainError(_l("Unknown role in the address."))
    return Role(raw) if raw else None


def parse(args, scope: set[int] | None, *, reads: tuple[str, ...] = FILTERS,
          sorts: tuple[str, ...] = ("name",), path_required: bool = False,
          default_path: str | None = None,
          extras: Mapping[str, Callable[[str], object]] | None = None) -> ReportFilters:
    """The filters in the query string args; a unit or cohort outside scope is "not found" (its
    existence is not revealed), a malformed value a clear 400. reads: the shared filters the report
    applies (the others are ignored); sorts: the allowed sort keys, the first being the default (none:
    the report is not sortable); extras: the report's own arguments, each parsed from its text (empty
    included) to a value kept as text, None leaving it out."""
    sort = args.get("sort", "").strip() or (sorts[0] if sorts else "")
    if sorts and sort not in sorts:
        raise DomainError(_l("This report cannot be sorted that way."))
    per_page = _number(args, "per_page") or DEFAULT_PAGE_SIZE
    if per_page not in PAGE_SIZES:
        raise DomainError(_l("Choose 25, 50, 100, 200 or 500 rows per page."))
    unit = _unit(_number(args, "unit"), scope) if "unit" in reads else None
    cohort = _cohort(_number(args, "cohort"), scope) if "cohort" in reads else None
    path = _path(args.get("path", ""), default_path, path_required) if "path" in reads else None
    own = ((name, parser(args.get(name, ""))) for name, parser in (extras or {}).items())
    return ReportFilters(unit_id=unit and unit.id, unit_path=unit and unit.path,
                         role=_role(args.get("role", "")) if "role" in reads else None,
                         cohort_id=cohort and cohort.id, path_slug=path,
                         sort=sort if sorts else "", descending=bool(sorts) and args.get("dir", "") == "desc",
                         page=max(_number(args, "page") or 1, 1), per_page=per_page, reads=reads,
                         extras=tuple((name, str(value)) for name, value in own if value is not None))


def name_order(column, tiebreak=User.id) -> list:
    """The one order of people's names in every report: Danish alphabetical order, ignoring case, the
    same on both databases (elearn.search.sort_key: Æ, Ø, Å after Z), then the person's id so equal
    names keep a stable order across pages."""
    return [sort_key(column), tiebreak]


def unit_order(column, descending: bool = False) -> list:
    """By unit name (in the names' Danish order), people without a unit last in either direction."""
    key = sort_key(column)
    return [column.is_(None), key.desc() if descending else key]


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
    def current(self) -> int:
        """The page shown: the one asked for, or the last when the address asks past the end."""
        return min(self.number, self.pages)

    @property
    def offset(self) -> int:
        return (self.current - 1) * self.size

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.offset + self.size, self.total)
