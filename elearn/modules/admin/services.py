"""Administration rules: finding people within a scope, guarding against self-lock-out, unit removal."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from elearn.errors import Conflict, DomainError
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth import twofactor
from elearn.modules.auth.models import Role, User, UserRole
from elearn.modules.units import services as units
from elearn.modules.units.models import Unit, UnitKind
from elearn.search import matches

PAGE_SIZE = 50


@dataclass(frozen=True)
class UserFilter:
    query: str = ""
    unit_id: int | None = None
    role: Role | None = None
    active: bool | None = None

    def query_args(self) -> dict:
        """The filter as query-string arguments (for pagination links)."""
        args = {"q": self.query, "unit": self.unit_id, "role": self.role and self.role.value,
                "active": {True: "1", False: "0"}.get(self.active)}
        return {key: value for key, value in args.items() if value}


def user_query(scope: set[int] | None, filters: UserFilter) -> Select:
    """Users matching filters, limited to the unit ids in scope (None: everyone), sorted by name."""
    stmt = select(User).order_by(func.lower(User.name), User.id)
    if scope is not None:
        stmt = stmt.where(User.unit_id.in_(scope))
    if filters.query:
        query = filters.query.strip()
        stmt = stmt.where(or_(matches(User.name, query), matches(User.email, query)))
    if filters.unit_id:
        stmt = stmt.where(User.unit_id == filters.unit_id)
    if filters.role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == filters.role)))
    if filters.active is not None:
        stmt = stmt.where(User.active.is_(filters.active))
    return stmt


def units_in_scope(scope: set[int] | None) -> list[Unit]:
    stmt = select(Unit)
    if scope is not None:
        stmt = stmt.where(Unit.id.in_(scope))
    return list(db.session.scalars(stmt))


def guard_self(actor: User, target: User, roles: set[Role], active: bool) -> None:
    """Raises DomainError when an admin would lock themselves out."""
    if actor.id != target.id:
        return
    if not active:
        raise DomainError(_l("You cannot deactivate your own account."), field="active")
    if Role.ADMIN not in roles:
        raise DomainError(_l("You cannot take the admin role from yourself."), field="roles")


def guard_anonymised(user: User) -> None:
    """Raises Conflict for an anonymised account: it stays as it is for good."""
    if user.anonymised_at is not None:
        raise Conflict(_l("This account is anonymised and cannot be changed."))


def set_user_active(actor: User, target: User, active: bool) -> None:
    guard_anonymised(target)
    guard_self(actor, target, target.roles, active)
    accounts.set_active(target, active)
    record(actor.id, "user.activate" if active else "user.deactivate", f"user:{target.id}")


def reset_two_factor(actor: User, user: User) -> None:
    guard_anonymised(user)
    twofactor.reset(actor.id, user)


def remove_unit(actor: User, unit: Unit) -> None:
    """Remove an empty unit and audit it; raises Conflict when it still has sub-units or members."""
    code = unit.code
    units.delete_unit(unit, accounts.member_count(unit))
    record(actor.id, "unit.delete", f"unit:{code}")


@dataclass(frozen=True)
class UserChanges:
    name: str
    email: str
    unit_id: int | None
    roles: frozenset[Role]
    locale: str | None
    scope_unit_ids: tuple[int, ...]
    active: bool
    password: str | None = None
    work_phone: str = ""
    work_email: str = ""


def save_user(actor: User, user: User | None, changes: UserChanges) -> User:
    """Create (user None) or edit an account as actor, and audit it; raises DomainError."""
    if user is None:
        user = accounts.create_user(changes.name, changes.email, changes.roles,
                                    unit_id=changes.unit_id, locale=changes.locale)
    else:
        guard_anonymised(user)
        guard_self(actor, user, set(changes.roles), changes.active)
    accounts.update_user(user, name=changes.name, email=changes.email, unit_id=changes.unit_id,
                         roles=changes.roles, locale=changes.locale,
                         scope_unit_ids=changes.scope_unit_ids)
    accounts.set_contact(user, changes.work_phone, changes.work_email)
    if changes.password:
        accounts.set_password(user, changes.password)
    if user.active != changes.active:
        accounts.set_active(user, changes.active)
    record(actor.id, "user.save", f"user:{user.id}", roles=sorted(changes.roles),
           unit_id=user.unit_id, password_set=bool(changes.password), active=user.active)
    return user


def save_unit(actor: User, unit: Unit | None, name: str, code: str, kind: UnitKind,
              parent_id: int | None) -> Unit:
    """Create (unit None) or edit a unit as actor, and audit it; raises DomainError."""
    if unit is None:
        unit = units.create_unit(name, code, kind, parent_id)
    else:
        units.update_unit(unit, name, code, kind, parent_id)
    record(actor.id, "unit.save", f"unit:{unit.code}", parent_id=unit.parent_id)
    return unit
