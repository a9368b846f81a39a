"""The Unit tree, stored with a materialised path so a subtree is one indexed prefix query."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.extensions import db, enum_values


class UnitKind(enum.StrEnum):
    DISTRICT = "district"
    CENTRE = "centre"
    TEAM = "team"


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[UnitKind] = mapped_column(
        Enum(UnitKind, native_enum=False, length=20, validate_strings=True,
             values_callable=enum_values)
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: "/1/4/9/": the ids from the root down to and including this unit.
    path: Mapped[str] = mapped_column(String(400), index=True, default="")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2
