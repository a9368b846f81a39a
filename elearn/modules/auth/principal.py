"""The logged-in person as the request sees them: a frozen snapshot read once per request."""

from __future__ import annotations

from dataclasses import dataclass

from elearn.modules.auth.models import Role


@dataclass(frozen=True)
class Principal:
    """Who is logged in (Flask-Login's current_user). Load the User row when it must change."""

    id: int
    name: str
    email: str
    locale: str | None
    unit_id: int | None
    unit_name: str | None
    roles: frozenset[Role]
    #: Server state the two-factor rule needs on every request (REQUIRE_2FA): whether the account has a
    #: local password and two-factor on, and whether this session began with single sign-on.
    has_password: bool = False
    two_factor_on: bool = False
    single_sign_on: bool = False

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))
