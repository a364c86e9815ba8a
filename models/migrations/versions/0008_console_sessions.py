"""Console sessions kept on the server, so signing out, a password change or a deactivation ends
them whoever holds a copy of the cookie.

Revision ID: 0008_console_sessions
Revises: 0007_console_more
Create Date: 2026-11-25 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0008_console_sessions'
down_revision = '0007_console_more'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_sessions_user_id_console_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))

    op.drop_table('console_sessions')
