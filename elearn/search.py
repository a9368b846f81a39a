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


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) for text anywhere, lower-cased; %, _ and \\ in
    text match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def matches(column, text: str):
    """column contains text, ignoring case (Æ/æ included)."""
    return folded(column).like(contains_pattern(text), escape="\\")
