"""Rules for the unit tree: creating, moving and removing units, and resolving subtrees."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from elearn.errors import Conflict, DomainError, NotFound
from elearn.extensions import db
from elearn.modules.units.models import Unit, UnitKind
from elearn.search import danish_sort_key

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class TreeRow:
    unit: Unit
    depth: int


def get_unit(unit_id: int) -> Unit:
    """The unit with this id; raises NotFound."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_l("No such unit."))
    return unit


def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit)))


def tree(units: Iterable[Unit] | None = None) -> list[TreeRow]:
    """Units in depth-first order, siblings sorted by name, each with its depth below the shown roots."""
    units = list(all_units() if units is None else units)
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent_id, []), key=lambda u: danish_sort_key(u.name)):
            rows.append(TreeRow(unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return rows


def subtree_ids(unit_ids: Iterable[int]) -> set[int]:
    """The ids of these units and every unit below them (one query)."""
    roots = list(db.session.scalars(select(Unit.path).where(Unit.id.in_(list(unit_ids)))))
    if not roots:
        return set()
    query = select(Unit.id).where(or_(*(Unit.path.startswith(path) for path in roots)))
    return set(db.session.scalars(query))


def find_unit(reference: str) -> Unit | None:
    """The unit whose code, else whose name, matches reference case-insensitively.

    Raises DomainError when a name matches several units (the code must be used then).
    """
    ref = reference.strip().casefold()
    by_code = db.session.scalar(select(Unit).where(func.lower(Unit.code) == ref))
    if by_code is not None:
        return by_code
    matches = list(db.session.scalars(select(Unit).where(func.lower(Unit.name) == ref)))
    if len(matches) > 1:
        raise DomainError(_l("Several units are called that; use the unit code."))
    return matches[0] if matches else None


def _check_code(code: str, unit_id: int | None) -> str:
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise DomainError(
            _l("Use 1–40 letters, digits, dots, dashes or underscores for the code."), field="code"
        )
    clash = db.session.scalar(select(Unit).where(func.lower(Unit.code) == code.casefold()))
    if clash is not None and clash.id != unit_id:
        raise Conflict(_l("Another unit already has this code."), field="code")
    return code


def _parent(parent_id: int | None, unit: Unit | None) -> Unit | None:
    if parent_id is None:
        return None
    parent = get_unit(parent_id)
    if unit is not None and parent.path.startswith(unit.path):
        raise DomainError(_l("A unit cannot be placed under itself or its own sub-units."),
                          field="parent_id")
    return parent


def create_unit(name: str, code: str, kind: UnitKind, parent_id: int | None = None) -> Unit:
    """Add a unit under parent_id (or as a root); raises DomainError/Conflict on a bad code."""
    unit = Unit(name=name.strip(), code=_check_code(code, None), kind=kind)
    parent = _parent(parent_id, None)
    unit.parent_id = parent.id if parent else None
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    return unit


def update_unit(unit: Unit, name: str, code: str, kind: UnitKind, parent_id: int | None) -> Unit:
    """Rename, re-code or move a unit; a move rewrites the paths of the whole subtree."""
    unit.code = _check_code(code, unit.id)
    unit.name = name.strip()
    unit.kind = kind
    parent = _parent(parent_id, unit)
    new_path = f"{parent.path if parent else '/'}{unit.id}/"
    if new_path != unit.path:
        old_path = unit.path
        for member in db.session.scalars(select(Unit).where(Unit.path.startswith(old_path))):
            member.path = new_path + member.path[len(old_path):]
        unit.parent_id = parent.id if parent else None
    db.session.flush()
    return unit


def delete_unit(unit: Unit, member_count: int) -> None:
    """Remove an empty unit; raises Conflict while it has sub-units or members."""
    has_children = db.session.scalar(select(func.count()).where(Unit.parent_id == unit.id))
    if has_children or member_count:
        raise Conflict(_l("Only a unit without sub-units and members can be removed."))
    db.session.delete(unit)
    db.session.flush()
