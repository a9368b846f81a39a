"""two-factor failures in a row

Revision ID: 232042ccc531
Revises: 2841d9386227
Create Date: 2026-11-27 17:05:22.090426

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '232042ccc531'
down_revision = '2841d9386227'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_failures', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_failures')
