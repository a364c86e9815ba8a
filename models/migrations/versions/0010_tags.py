"""Tags with a colour, and the history of every tag change (who or what, when).

Revision ID: 0010_tags
Revises: 0009_merge_bad_input
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0010_tags'
down_revision = '0009_merge_bad_input'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('tag_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tag_changes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_changes'))
    )
    with op.batch_alter_table('tag_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_changes_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tag_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_changes_customer_id'))
    op.drop_table('tag_changes')
    op.drop_table('tags')
