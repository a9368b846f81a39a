"""Replace a person's name and addresses wherever they were written into text: every text and JSON
column of every table (e-mail bodies, audit details, revocation reasons, columns added later), so
nothing needs to know in advance where a name may have been copied.

One narrowing query per column finds the rows that mention a needle (ignoring case as far as the
database can); the replacement itself runs in Python with word boundaries, so
"Bo Ek" does not change "Bo Eklund" (but does "Bo Eks"). JSON is searched in both spellings a
serializer may have stored ("Søren" and "S\\u00f8ren")."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from sqlalchemy import JSON, Enum, String, Table, Text, cast, or_, select, true, update

from elearn.extensions import db

#: Shorter needles would match inside unrelated words and numbers.
MIN_NEEDLE = 4


def _pattern(replacements: dict[str, str]) -> re.Pattern:
    alternatives = "|".join(re.escape(needle) for needle in sorted(replacements, key=len, reverse=True))
    # A Danish genitive s may follow ("Sørens"); any other letter makes it another word.
    return re.compile(rf"(?<!\w)(?:{alternatives})(?=s?(?!\w))", re.IGNORECASE)


def _replace(value, pattern: re.Pattern, replacements: dict[str, str]):
    """value with every needle replaced, walking into JSON lists and mappings."""
    lowered = {needle.lower(): new for needle, new in replacements.items()}
    if isinstance(value, str):
        return pattern.sub(lambda match: lowered[match.group(0).lower()], value)
    if isinstance(value, list):
        return [_replace(item, pattern, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, pattern, replacements) for key, item in value.items()}
    return value


def _spellings(needle: str, is_json: bool) -> set[str]:
    """The needle as it may be stored: with letters outside ASCII, in its usual casings too (SQLite's
    LIKE folds ASCII letters alone, and JSON escapes "Ø" and "ø" differently)."""
    cased = {needle} if needle.isascii() else {needle, needle.lower(), needle.upper(), needle.title()}
    return cased | {json.dumps(form)[1:-1] for form in cased} if is_json else cased


def _mentions(column, needles, is_json: bool, postgresql: bool):
    """Whether the column's text mentions a needle, ignoring case as far as the database can: ILIKE
    on PostgreSQL, LIKE (which ignores ASCII case) on SQLite."""
    text = cast(column, Text) if is_json else column
    return or_(*((text.icontains if postgresql else text.contains)(spelling, autoescape=True)
                 for needle in needles for spelling in _spellings(needle, is_json)))


def _text_columns(table: Table):
    for column in table.columns:
        if isinstance(column.type, Enum) or column.primary_key:
            continue
        if isinstance(column.type, String | Text | JSON):
            yield column, isinstance(column.type, JSON)


def names_in(name: str, names: Iterable[str]) -> bool:
    """Whether a search for name (as scrub searches) would also match inside one of names: the same
    name in any case, or a longer name containing it ("Bo Ek" in "Bo Ek Jensen")."""
    pattern = _pattern({name: ""}) if len(name.strip()) >= MIN_NEEDLE else None
    return pattern is not None and any(pattern.search(other) for other in names)


def scrub(replacements: dict[str, str], skip: Iterable[str] = (), rows: Callable | None = None) -> int:
    """Replace each needle (key) by its value in every text and JSON column of every table except the
    tables named in skip; returns the number of values changed. Needles shorter than MIN_NEEDLE
    characters are left alone. rows, when given, narrows the search: called with a table it returns a
    condition on the table's rows, or None to leave the table out."""
    replacements = {needle: new for needle, new in replacements.items()
                    if needle and len(needle.strip()) >= MIN_NEEDLE}
    if not replacements:
        return 0
    pattern = _pattern(replacements)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    changed = 0
    for table in db.metadata.sorted_tables:
        if table.name in skip or not table.primary_key.columns:
            continue
        narrowing = rows(table) if rows else true()
        if narrowing is None:
            continue
        keys = list(table.primary_key.columns)
        for column, is_json in _text_columns(table):
            mentions = _mentions(column, replacements, is_json, postgresql)
            for row in db.session.execute(select(*keys, column).where(mentions, narrowing)).all():
                value = _replace(row[-1], pattern, replacements)
                if value == row[-1]:
                    continue
                db.session.execute(update(table).where(*(key == row[i] for i, key in enumerate(keys)))
                                   .values({column.name: value}))
                changed += 1
    return changed
