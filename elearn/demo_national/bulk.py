"""Bulk writes for the national demo: Core executemany in chunks, so 300,000 rows take seconds."""

from __future__ import annotations

from sqlalchemy import insert

from elearn.extensions import db

CHUNK = 5000


def insert_rows(model, rows: list[dict]) -> None:
    """Insert the rows (dicts with the same keys) in chunks, without reading anything back."""
    table, connection = model.__table__, db.session.connection()
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start:start + CHUNK])


def insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert the rows and return their new ids in the rows' order (one batched statement per chunk,
    on SQLite and PostgreSQL alike)."""
    table, connection, ids = model.__table__, db.session.connection(), []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), CHUNK):
        ids.extend(connection.execute(statement, rows[start:start + CHUNK]).scalars())
    return ids
