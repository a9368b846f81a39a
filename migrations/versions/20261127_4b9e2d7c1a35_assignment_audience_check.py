"""assignments: a CHECK that exactly the audience's column is set (person: user_id, unit: unit_id,
cohort: cohort_id)

Revision ID: 4b9e2d7c1a35
Revises: e735c0dd3ce8
Create Date: 2026-11-27 14:30:00

"""
from alembic import op

revision = '4b9e2d7c1a35'
down_revision = 'e735c0dd3ce8'
branch_labels = None
depends_on = None

# the same text as Assignment.__table_args__ (models.py)
AUDIENCE_COLUMN = (
    "(audience = 'person' AND user_id IS NOT NULL AND unit_id IS NULL AND cohort_id IS NULL)"
    " OR (audience = 'unit' AND unit_id IS NOT NULL AND user_id IS NULL AND cohort_id IS NULL)"
    " OR (audience = 'cohort' AND cohort_id IS NOT NULL AND user_id IS NULL AND unit_id IS NULL)")


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_check_constraint('audience_column', AUDIENCE_COLUMN)


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint('audience_column', type_='check')
