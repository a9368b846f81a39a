"""Case-insensitive "contains" search that folds Æ, Ø and Å on SQLite as PostgreSQL does.

SQLite's lower() and LIKE fold only ASCII letters, so "øst" would never find "Østjylland". On SQLite
`folded(x)` calls unicode_lower, a deterministic Python function registered on every connection
(extensions._sqlite_pragmas); on PostgreSQL it is lower(), which folds by the database's locale.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def unicode_lower(value):
    """The SQLite function behind folded(): Python's lower(), NULL and non-text left alone."""
    return value.lower() if isinstance(value, str) else value


class folded(FunctionElement):  # noqa: N801 (reads as a SQL function)
    """The lower-case form of a text expression, Unicode-aware on both databases."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _lower(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _unicode_lower(element, compiler, **kw):
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


#: Danish alphabetical order in plain code points: Æ, Ø, Å become the three characters after "z" (with
#: Ä and Ö filed as Æ and Ø, as Danish dictionaries do), and other accented letters their base letter.
_SORT_FROM = "æøåäöéèêëáàâíìîóòôúùûüý"
_SORT_TO = "{|}{|eeeeaaaiiiooouuuyy"
_SORT_TABLE = str.maketrans(_SORT_FROM, _SORT_TO)


def danish_sort_key(value):
    """The SQLite function behind sort_key(): lower-cased, then Danish letters mapped as above."""
    return value.lower().translate(_SORT_TABLE) if isinstance(value, str) else value


class sort_key(FunctionElement):  # noqa: N801 (reads as a SQL function)
    """A text expression's key for Danish alphabetical order (Æ Ø Å after Z), the same on both
    databases: SQLite compares the key by code point, PostgreSQL is told to (COLLATE "C"), so no
    server locale can reorder it."""

    type = String()
    name = "sort_key"
    inherit_cache = True


@compiles(sort_key)
def _translate(element, compiler, **kw):
    return (f"translate(lower({compiler.process(element.clauses, **kw)}), "
            f"'{_SORT_FROM}', '{_SORT_TO}') COLLATE \"C\"")


@compiles(sort_key, "sqlite")
def _danish_sort_key(element, compiler, **kw):
    return f"danish_sort_key({compiler.process(element.clauses, **kw)})"


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) for text anywhere, lower-cased; %, _ and \\ in
    text match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def matches(column, text: str):
    """column contains text, ignoring case (Æ/æ included)."""
    return folded(column).like(contains_pattern(text), escape="\\")
