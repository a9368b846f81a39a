"""Demo data: a police district with its units, accounts for each role, and workshop sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from elearn.modules.workshops import demo_data as workshop_demo

# (code, name, kind, parent code)
DEMO_UNITS = (
    ("SJYL", "Sydøstjyllands Politi", UnitKind.DISTRICT, None),
    ("SJYL-SC", "Servicecenter", UnitKind.CENTRE, "SJYL"),
    ("SJYL-BEREDSKAB", "Beredskabscenter", UnitKind.CENTRE, "SJYL"),
    ("SJYL-PAT-HOR", "Patrulje Horsens", UnitKind.TEAM, "SJYL-BEREDSKAB"),
    ("SJYL-PAT-VEJ", "Patrulje Vejle", UnitKind.TEAM, "SJYL-BEREDSKAB"),
    ("SJYL-EFT", "Efterforskningscenter", UnitKind.CENTRE, "SJYL"),
    ("SJYL-EFT-VEJ", "Efterforskning Vejle", UnitKind.TEAM, "SJYL-EFT"),
    ("SJYL-EFT-HOR", "Efterforskning Horsens", UnitKind.TEAM, "SJYL-EFT"),
)

# (e-mail, name, unit code, roles, what the account shows)
DEMO_ACCOUNTS = (
    ("learner@demo.elearn", "Mette Sørensen", "SJYL-PAT-HOR", (Role.LEARNER,),
     "a patrol officer"),
    ("callhandler@demo.elearn", "Jonas Holm", "SJYL-SC", (Role.LEARNER,),
     "a Servicecenter call-taker"),
    ("coordinator@demo.elearn", "Lene Dahl", "SJYL", (Role.LEARNER, Role.COORDINATOR),
     "the district's training coordinator"),
    ("admin@demo.elearn", "Admin Demo", "SJYL", (Role.ADMIN,), "an administrator"),
    ("patrol2@demo.elearn", "Ahmed Karimi", "SJYL-PAT-VEJ", (Role.LEARNER,), "a patrol officer"),
    ("detective@demo.elearn", "Sofie Lund", "SJYL-EFT-VEJ", (Role.LEARNER,), "a key officer"),
    ("detective2@demo.elearn", "Peter Nørgaard", "SJYL-EFT-HOR", (Role.LEARNER,), "an investigator"),
    ("callhandler2@demo.elearn", "Camilla Berg", "SJYL-SC", (Role.LEARNER,),
     "a Servicecenter call-taker, on a waiting list"),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    roles: tuple[Role, ...]
    description: str


def seed() -> list[DemoLogin]:
    """Create the demo units and accounts with fresh random passwords; returns the logins."""
    ids: dict[str, int] = {}
    for code, name, kind, parent in DEMO_UNITS:
        ids[code] = create_unit(name, code, kind, ids.get(parent) if parent else None).id
    logins, users = [], []
    for email, name, unit, roles, description in DEMO_ACCOUNTS:
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        users.append(accounts.create_user(name, email, roles, unit_id=ids[unit], password=password))
        logins.append(DemoLogin(email, password, roles, description))
    coordinator = next(user for user in users if user.has_role(Role.COORDINATOR))
    workshop_demo.seed(coordinator, [user for user in users if user.roles == {Role.LEARNER}])
    db.session.commit()
    return logins
