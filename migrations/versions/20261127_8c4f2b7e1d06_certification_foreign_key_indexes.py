"""certification: index the foreign keys certificate_award.revoked_by_id and
certificate_reminder.message_id (deleting a user or an outbox message looks them up)

Revision ID: 8c4f2b7e1d06
Revises: 5a1e0c3d9b21
Create Date: 2026-11-27 12:06:00

"""
from alembic import op

revision = '8c4f2b7e1d06'
down_revision = '5a1e0c3d9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_award_revoked_by_id'), ['revoked_by_id'],
                              unique=False)
    with op.batch_alter_table('certificate_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_reminder_message_id'), ['message_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('certificate_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_reminder_message_id'))
    with op.batch_alter_table('certificate_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_award_revoked_by_id'))
