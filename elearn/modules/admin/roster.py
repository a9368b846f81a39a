"""Roster import: a CSV of name, email, unit, roles, checked whole before anything is written."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.audit.services import record
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role, User
from elearn.modules.units.models import Unit
from elearn.modules.units.services import find_unit

HEADER_ALIASES = {
    "name": {"name", "navn"},
    "email": {"email", "e-mail", "mail", "e-mail-adresse", "e-mailadresse"},
    "unit": {"unit", "enhed"},
    "roles": {"roles", "role", "roller", "rolle"},
}
ROLE_ALIASES = {
    "learner": Role.LEARNER, "kursist": Role.LEARNER,
    "coordinator": Role.COORDINATOR, "koordinator": Role.COORDINATOR,
    "admin": Role.ADMIN, "administrator": Role.ADMIN,
}
MAX_ROWS = 50_000
SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)  # Excel's first line naming the separator


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: object


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    email: str
    unit: Unit
    roles: frozenset[Role]


@dataclass(frozen=True)
class PlannedChange:
    line: int
    email: str
    action: str  # "create", "update" or "unchanged"
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterPlan:
    changes: tuple[PlannedChange, ...]
    problems: tuple[RowProblem, ...]
    rows: tuple[RosterRow, ...] = field(repr=False, default=())

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def decode(data: bytes) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), UTF-8 (with or without BOM), else Windows-1252
    as Danish Excel writes it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        for column, aliases in HEADER_ALIASES.items():
            if title.strip().casefold() in aliases:
                found[column] = index
    missing = [column for column in HEADER_ALIASES if column not in found]
    if missing:
        raise DomainError(_l("Line 1: the header must name the columns name, email, unit and "
                             "roles; missing: %(missing)s.", missing=", ".join(missing)))
    return found


def _roles(value: str) -> frozenset[Role]:
    words = [word.casefold() for word in re.split(r"[;,|/\s]+", value) if word]
    unknown = [word for word in words if word not in ROLE_ALIASES]
    if unknown:
        raise DomainError(_l("unknown role %(role)s (use learner, coordinator or admin)",
                             role=unknown[0]))
    return frozenset(ROLE_ALIASES[word] for word in words) or frozenset({Role.LEARNER})


def _row(line: int, cells: list[str], columns: dict[str, int]) -> RosterRow:
    if len(cells) < len(HEADER_ALIASES) or max(columns.values()) >= len(cells):
        raise DomainError(_l("expected %(count)d columns, found %(found)d",
                             count=len(HEADER_ALIASES), found=len(cells)))
    name = cells[columns["name"]].strip()
    if not name or len(name) > 200:
        raise DomainError(_l("a name of 1–200 characters is required"))
    email = accounts.normalize_email(cells[columns["email"]])
    unit = find_unit(cells[columns["unit"]]) if cells[columns["unit"]].strip() else None
    if unit is None:
        raise DomainError(_l("unknown unit %(unit)s", unit=cells[columns["unit"]].strip() or "—"))
    return RosterRow(line, name, email, unit, _roles(cells[columns["roles"]]))


class _Reader:
    """A csv reader that starts after the lines skipped before the header, numbering lines as the
    file does."""

    def __init__(self, text: str, skipped: int, delimiter: str):
        source = io.StringIO(text)
        for _ in range(skipped):
            source.readline()
        self._reader = csv.reader(source, delimiter=delimiter)
        self._skipped = skipped

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        return next(self._reader)

    @property
    def line_num(self) -> int:
        return self._reader.line_num + self._skipped


def parse_csv(text: str, parse_rows):
    """parse_rows(reader) over the CSV text, separated by whichever of ; , or tab its header line
    uses most (Danish Excel writes ;), or as an Excel `sep=;` first line says. Blank lines before
    the header are skipped. Raises DomainError for an empty or unreadable file."""
    lines = io.StringIO(text).readlines()  # split at \n only, as the csv reader reads
    skipped = next((number for number, line in enumerate(lines) if line.strip()), len(lines))
    if skipped == len(lines):
        raise DomainError(_l("The file is empty."))
    declared = SEP_LINE.fullmatch(lines[skipped].strip())
    if declared:
        skipped += 1
    header = lines[skipped] if skipped < len(lines) else ""
    delimiter = declared.group(1) if declared else max(";,\t", key=header.count)
    reader = _Reader(text, skipped, delimiter)
    try:
        return parse_rows(reader)
    except StopIteration:
        raise DomainError(_l("The file is empty.")) from None
    except csv.Error as error:
        raise DomainError(_l("Line %(line)d: the file cannot be read as CSV (a field is very long, or a "
                             "line break is out of place).", line=reader.line_num)) from error


def parse(text: str) -> tuple[list[RosterRow], list[RowProblem]]:
    """Every row of the CSV text checked on its own and against the others; nothing is written."""
    return parse_csv(text, _parse_rows)


def _parse_rows(reader) -> tuple[list[RosterRow], list[RowProblem]]:
    columns = _columns(next(reader))
    rows, problems, seen = [], [], {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            raise DomainError(_l("The file has more than %(count)d rows.", count=MAX_ROWS))
        try:
            row = _row(line, cells, columns)
        except DomainError as error:
            problems.append(RowProblem(line, error.message))
            continue
        if row.email in seen:
            problems.append(RowProblem(line, _l("duplicate e-mail %(email)s (also on line "
                                                "%(other)d)", email=row.email, other=seen[row.email])))
            continue
        seen[row.email] = line
        rows.append(row)
    return rows, problems


def _diff(user: User, row: RosterRow) -> tuple[str, ...]:
    changes = []
    if user.name != row.name:
        changes.append(f"name: {user.name} → {row.name}")
    if user.unit_id != row.unit.id:
        changes.append(f"unit: {user.unit.code if user.unit else '—'} → {row.unit.code}")
    added = sorted(role.value for role in row.roles - user.roles)
    if added:
        changes.append("roles: +" + ", +".join(added))
    return tuple(changes)


def plan(text: str) -> RosterPlan:
    """What importing text would do, row by row, and every problem with its line number."""
    parsed, problems = parse(text)
    rows, changes = [], []
    for row in parsed:
        user = accounts.find_user_by_email(row.email)
        if user is not None and user.anonymised_at is not None:
            problems.append(RowProblem(row.line, _l("%(email)s belongs to an anonymised account, which "
                                                    "cannot be changed", email=row.email)))
            continue
        rows.append(row)
        if user is None:
            changes.append(PlannedChange(row.line, row.email, "create"))
        else:
            diff = _diff(user, row)
            changes.append(PlannedChange(row.line, row.email, "update" if diff else "unchanged",
                                         diff))
    return RosterPlan(tuple(changes), tuple(sorted(problems, key=lambda problem: problem.line)),
                      tuple(rows))


def apply(text: str, actor_id: int | None, import_good_rows: bool = False) -> RosterPlan:
    """Import the roster; with problems it writes nothing unless import_good_rows is set.

    Existing accounts get the row's name and unit, and gain (never lose) the row's roles; new
    accounts have no password until an administrator sets one. Returns the plan that was applied.
    """
    result = plan(text)
    if result.problems and not import_good_rows:
        raise DomainError(_l("The file has %(count)d problem(s); nothing was imported.",
                             count=len(result.problems)))
    for row, change in zip(result.rows, result.changes, strict=True):
        if change.action == "create":
            accounts.create_user(row.name, row.email, row.roles, unit_id=row.unit.id)
        elif change.action == "update":
            user = accounts.find_user_by_email(row.email)
            user.name, user.unit_id = row.name, row.unit.id
            accounts.set_roles(user, user.roles | row.roles)
    record(actor_id, "roster.import", "users", created=result.count("create"),
           updated=result.count("update"), skipped_lines=[p.line for p in result.problems])
    db.session.flush()
    return result
