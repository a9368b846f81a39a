"""The national force: 12 districts with centres and teams, and the people in them (fictional names,
addresses under the reserved .example domain), their roles and the coordinators' scopes."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, update

from elearn.demo_national.bulk import insert_returning_ids, insert_rows
from elearn.extensions import db
from elearn.modules.auth.models import Role, User, UserRole, coordinator_unit
from elearn.modules.units.models import Unit, UnitKind

DOMAIN = "demo.politi.example"

# (code, name, town, weight: roughly the district's staff)
DISTRICTS = (
    ("KBH", "Københavns Politi", "København", 2.2),
    ("NJYL", "Nordjyllands Politi", "Aalborg", 1.1),
    ("OJYL", "Østjyllands Politi", "Aarhus", 1.2),
    ("MVJYL", "Midt- og Vestjyllands Politi", "Holstebro", 0.9),
    ("SOJYL", "Sydøstjyllands Politi", "Horsens", 1.0),
    ("SSJYL", "Syd- og Sønderjyllands Politi", "Esbjerg", 1.0),
    ("FYN", "Fyns Politi", "Odense", 1.1),
    ("SSJL", "Sydsjællands og Lolland-Falsters Politi", "Næstved", 0.9),
    ("MVSJ", "Midt- og Vestsjællands Politi", "Holbæk", 1.0),
    ("NSJ", "Nordsjællands Politi", "Helsingør", 1.0),
    ("KBHV", "Københavns Vestegns Politi", "Glostrup", 1.0),
    ("BORN", "Bornholms Politi", "Rønne", 0.25),
)

# (code suffix, name, kind, parent suffix, percent of the district's people, their work)
UNIT_PLAN = (
    ("", None, UnitKind.DISTRICT, None, 3, "staff"),
    ("SC", "Servicecenter", UnitKind.CENTRE, "", 7, "servicecenter"),
    ("SC-VC", "Vagtcentral", UnitKind.TEAM, "SC", 5, "servicecenter"),
    ("BER", "Beredskabscenter", UnitKind.CENTRE, "", 4, "patrol"),
    ("BER-PN", "Patrulje Nord", UnitKind.TEAM, "BER", 20, "patrol"),
    ("BER-PS", "Patrulje Syd", UnitKind.TEAM, "BER", 18, "patrol"),
    ("BER-FAE", "Færdselsafdeling", UnitKind.TEAM, "BER", 9, "patrol"),
    ("BER-HUND", "Hundepatrulje", UnitKind.TEAM, "BER", 2, "patrol"),
    ("EFT", "Efterforskningscenter", UnitKind.CENTRE, "", 20, "investigation"),
    ("EFT-PFK", "Personfarlig kriminalitet", UnitKind.TEAM, "EFT", 12, "investigation"),
)

FIRST_NAMES = (
    "Anders", "Anne", "Bente", "Birgitte", "Camilla", "Christian", "Dorthe", "Emil", "Emma", "Frederik",
    "Freja", "Gitte", "Hanne", "Henrik", "Ida", "Jakob", "Jens", "Jesper", "Julie", "Kasper", "Karina",
    "Katrine", "Kim", "Lars", "Line", "Louise", "Mads", "Maja", "Malene", "Martin", "Mette", "Michael",
    "Morten", "Nanna", "Niels", "Nikolaj", "Ole", "Pernille", "Peter", "Rasmus", "Rikke", "Signe", "Sofie",
    "Søren", "Stine", "Thomas", "Tina", "Torben", "Trine", "Ulla", "Jonas", "Mathias", "Sara", "Astrid",
    "Ahmed", "Fatima", "Ali", "Yasmin", "Mikkel", "Ida Marie", "Bo", "Lene", "Åse", "Øjvind",
)
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen", "Clausen",
    "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Dahl", "Kjær", "Nørgaard",
    "Østergaard", "Vestergaard", "Bech", "Karimi", "Hussein", "Yilmaz", "Nguyen", "Ravn", "Brink", "Bak",
)
ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "."})


@dataclass(slots=True)
class Person:
    id: int
    unit_id: int
    district: int  # index into the force's districts
    work: str  # staff / servicecenter / patrol / investigation
    joined: datetime
    active: bool = True
    key_officer: bool = False
    name: str = ""


@dataclass
class Force:
    units: list[dict]  # id, code, name, district, work
    people: list[Person]
    coordinators: dict[int, list[int]]  # district index -> coordinator user ids
    admins: list[int]
    logins: dict[str, str]  # what the account shows -> e-mail
    learner_id: int


def _email(name: str, number: int) -> str:
    plain = unicodedata.normalize("NFKD", name.lower().translate(ASCII))
    return f"{''.join(c for c in plain if c.isascii())}.{number}@{DOMAIN}"


def create_units(districts: int) -> list[dict]:
    """The unit tree, level by level (a unit's materialised path needs its parent's id)."""
    units = []
    for index, (code, name, town, _weight) in enumerate(DISTRICTS[:districts]):
        for suffix, unit_name, kind, parent, share, work in UNIT_PLAN:
            units.append({"code": f"{code}-{suffix}".rstrip("-"), "kind": kind, "district": index,
                          "parent": f"{code}-{parent}".rstrip("-") if parent is not None else None,
                          "name": name if unit_name is None else f"{unit_name} {town}",
                          "share": share, "work": work})
    by_code = {}
    for level in (UnitKind.DISTRICT, UnitKind.CENTRE, UnitKind.TEAM):
        batch = [u for u in units if u["kind"] == level]
        rows = [{"name": u["name"], "code": u["code"], "kind": u["kind"], "path": "",
                 "parent_id": by_code[u["parent"]]["id"] if u["parent"] else None} for u in batch]
        for unit, unit_id in zip(batch, insert_returning_ids(Unit, rows), strict=True):
            parent = by_code.get(unit["parent"])
            unit["id"], unit["path"] = unit_id, f"{parent['path'] if parent else '/'}{unit_id}/"
            by_code[unit["code"]] = unit
    table = Unit.__table__
    db.session.connection().execute(
        update(table).where(table.c.id == bindparam("unit_id")).values(path=bindparam("tree")),
        [{"unit_id": u["id"], "tree": u["path"]} for u in units])
    return units


def _quotas(total: int, weights: list[float]) -> list[int]:
    """total split by weights into whole numbers that add up to total."""
    counts = [int(total * w / sum(weights)) for w in weights]
    counts[max(range(len(weights)), key=weights.__getitem__)] += total - sum(counts)
    return counts


def plan_people(rng: random.Random, units: list[dict], users: int, now: datetime) -> list[Person]:
    """Who works where (ids come when inserted): fixed shares per unit, so unit sizes are repeatable."""
    districts = sorted({u["district"] for u in units})
    people = []
    for district, size in zip(districts, _quotas(users, [DISTRICTS[d][3] for d in districts]), strict=True):
        mine = [u for u in units if u["district"] == district]
        for unit, count in zip(mine, _quotas(size, [u["share"] for u in mine]), strict=True):
            for _ in range(count):
                joined = now - timedelta(days=rng.uniform(30, 12 * 365))
                people.append(Person(0, unit["id"], district, unit["work"], joined, rng.random() > 0.02))
            members = [p for p in people[-count:] if p.active] if count else []
            for person in rng.sample(members, min(len(members), rng.choice((1, 2, 2, 3, 3, 3)))):
                person.key_officer = True
    return people


def _name(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES)
    if rng.random() < 0.15:
        first = f"{first} {rng.choice(FIRST_NAMES)}"
    return f"{first} {rng.choice(SURNAMES)}"


def create_people(rng: random.Random, units: list[dict], users: int, password_hash: str,
                  now: datetime) -> Force:
    """Insert the people with one shared password hash, their roles and the coordinators' scopes."""
    people = plan_people(rng, units, users, now)
    roots = {u["district"]: u["id"] for u in units if u["kind"] == UnitKind.DISTRICT}
    coordinators: dict[int, list[int]] = {}
    staff = {d: [p for p in people if p.unit_id == root and p.active] for d, root in roots.items()}
    special = {id(p): "coordinator" for d in staff for p in staff[d][:2]}
    for person in staff[0][2:5]:
        special[id(person)], person.key_officer = "admin", False
    learner = next(p for p in people if p.key_officer and p.district == 0 and p.work == "investigation")
    special[id(learner)] = "learner"
    logins, rows = {}, []
    for number, person in enumerate(people, start=1):
        name, role = _name(rng), special.get(id(person))
        person.name = name
        email = _email(name, number)
        if role and role not in logins:
            email = logins[role] = f"{role}@{DOMAIN}"
        rows.append({"name": name, "email": email, "password_hash": password_hash, "unit_id": person.unit_id,
                     "locale": "en" if rng.random() < 0.08 else None, "active": person.active,
                     "created_at": person.joined, "work_email": "", "last_login_at":
                     now - timedelta(days=rng.uniform(0, 90)) if rng.random() < 0.8 else None,
                     "work_phone": f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                                   f"{rng.randint(10, 99)}" if person.key_officer else ""})
    for person, user_id in zip(people, insert_returning_ids(User, rows), strict=True):
        person.id = user_id
    roles, scopes, admins = [], [], []
    for person in people:
        role = special.get(id(person))
        if role == "admin":
            admins.append(person.id)
            roles.append({"user_id": person.id, "role": Role.ADMIN})
            continue
        roles.append({"user_id": person.id, "role": Role.LEARNER})
        if role == "coordinator":
            coordinators.setdefault(person.district, []).append(person.id)
            roles.append({"user_id": person.id, "role": Role.COORDINATOR})
            scopes.append({"user_id": person.id, "unit_id": roots[person.district]})
    insert_rows(UserRole, roles)
    db.session.connection().execute(insert(coordinator_unit), scopes)
    return Force(units, people, coordinators, admins, logins, learner.id)
