"""A report as columns with types and rows: what the HTML page shows and both exports write, so the
screen, the CSV and the XLSX cannot disagree about columns."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    PERCENT = "percent"  # a fraction 0..1; shown and exported as a percentage
    DATE = "date"
    DATETIME = "datetime"  # naive UTC in the rows; exported in Europe/Copenhagen time


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string: rendered in the viewer's language when written
    kind: Kind = Kind.TEXT


@dataclass
class Table:
    """name: the report's slug (the file name's stem); rows: any iterable of tuples in column order,
    consumed once, so an export can stream it from a server-side cursor."""

    name: str
    columns: tuple[Column, ...]
    rows: Iterable[tuple]


def percent(fraction: float | None, places: int = 0) -> float | int | None:
    """A fraction 0..1 as a percentage rounded half up, as Excel's "0%" format shows the same number
    (0.125 is 13%, where Python's round() would say 12): whole on screen, one decimal in the CSV.
    The shortest decimal text of the float is rounded, as Excel rounds what it would display."""
    if fraction is None:
        return None
    value = (Decimal(repr(float(fraction))) * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return int(value) if places == 0 else float(value)
