"""Telegram and email channels: shared rate-limit slots, and a count of soft delivery failures
per channel identity (email bounces).

Revision ID: 0002_channels
Revises: 0001
Create Date: 2026-11-25 09:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0002_channels'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_slots',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('next_at', sa.Double(), nullable=False),
    sa.Column('paused_until', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_slots'))
    )
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('soft_failures', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_column('soft_failures')
    op.drop_table('rate_slots')
