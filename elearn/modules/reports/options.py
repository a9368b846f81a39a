"""The choices a report's filter form offers: only units and cohorts inside the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from elearn.extensions import db
from elearn.modules.admin.forms import ROLE_LABELS
from elearn.modules.assignments.models import Cohort
from elearn.modules.auth.models import Role
from elearn.modules.courses.services import catalogue
from elearn.modules.units import services as units
from elearn.modules.units.models import Unit
from elearn.search import sort_key


@dataclass(frozen=True)
class FilterOptions:
    units: list[tuple[int, str]]  # (id, name indented by depth)
    cohorts: list[tuple[int, str]]  # (id, "name (unit)"): two units may each have a "Recruits"
    paths: list[tuple[str, str]]
    roles: list[tuple[str, object]]


def filter_options(scope: set[int] | None, locale: str) -> FilterOptions:
    """What the filter selects list (three queries at most, whatever the size of the force)."""
    unit_rows = db.session.scalars(select(Unit) if scope is None else
                                   select(Unit).where(Unit.id.in_(scope)))
    cohort_query = (select(Cohort.id, Cohort.name, Unit.name.label("unit"))
                    .join(Unit, Unit.id == Cohort.unit_id).order_by(sort_key(Cohort.name), Cohort.id))
    if scope is not None:
        cohort_query = cohort_query.where(Cohort.unit_id.in_(scope))
    return FilterOptions(
        units=[(row.unit.id, "\u2003" * row.depth + row.unit.name) for row in units.tree(unit_rows)],
        cohorts=[(row.id, f"{row.name} ({row.unit})") for row in db.session.execute(cohort_query)],
        paths=[(path.slug, path.title(locale)) for path in catalogue().paths],
        roles=[(role.value, ROLE_LABELS[role]) for role in Role])
