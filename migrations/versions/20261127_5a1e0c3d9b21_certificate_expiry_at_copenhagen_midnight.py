"""certificate expiry at Copenhagen midnight: valid through the end of the printed date

Awards issued before this stored the issue instant + N months, while the certificate printed only
the Copenhagen date, so it expired mid-day on its own "valid until" day. Move each expiry to 00:00
Europe/Copenhagen after the date that was printed (data only; the schema is unchanged).

Revision ID: 5a1e0c3d9b21
Revises: 2fed3f69a7ab
Create Date: 2026-11-27 11:52:00

"""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '5a1e0c3d9b21'
down_revision = '2fed3f69a7ab'
branch_labels = None
depends_on = None

LOCAL = ZoneInfo("Europe/Copenhagen")


def _end_of_printed_day(moment: datetime) -> datetime:
    local = moment.replace(tzinfo=UTC).astimezone(LOCAL)
    if local.time() == time():
        return moment  # already at a Copenhagen midnight
    next_day = local.date() + timedelta(days=1)
    return datetime.combine(next_day, time(), tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def upgrade():
    connection = op.get_bind()
    for table in ("certificate_award", "award_revision"):
        rows = connection.execute(sa.text(f"SELECT id, expires_at FROM {table}")).all()
        for row_id, expires_at in rows:
            if isinstance(expires_at, str):  # SQLite hands back text
                expires_at = datetime.fromisoformat(expires_at)
            moved = _end_of_printed_day(expires_at)
            if moved != expires_at:
                connection.execute(sa.text(f"UPDATE {table} SET expires_at = :at WHERE id = :id"),
                                   {"at": moved, "id": row_id})


def downgrade():
    pass  # the later expiry is what the certificates printed; nothing to undo
