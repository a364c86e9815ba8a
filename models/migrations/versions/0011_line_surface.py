"""LINE as customers know it: member codes and profile pictures on customers, profile look-ups
waiting to be done, rewards bought with points and their redemptions, rich menus and the LINE
calls waiting to be made for them.

Revision ID: 0011_line_surface
Revises: 0010_tags
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = '0011_line_surface'
down_revision = '0010_tags'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picture_url', sa.String(length=1000), nullable=True))
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_fetched_at', models.base.UTCDateTime(), nullable=True))
    op.create_table('profile_fetches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('due_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['channel_identities.id'], name=op.f('fk_profile_fetches_identity_id_channel_identities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_fetches')),
    sa.UniqueConstraint('identity_id', name=op.f('uq_profile_fetches_identity_id'))
    )
    with op.batch_alter_table('profile_fetches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_fetches_due_at'), ['due_at'], unique=False)
    op.create_table('rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', JSON, nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('coupon_template', sa.String(length=40), nullable=False),
    sa.Column('per_customer_limit', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rewards')),
    sa.UniqueConstraint('code', name=op.f('uq_rewards_code'))
    )
    op.create_table('reward_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reward_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reward_id'], ['rewards.id'], name=op.f('fk_reward_redemptions_reward_id_rewards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_reward_redemptions_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_reward_redemptions_coupon_id_coupons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_redemptions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_reward_redemptions_idempotency_key'))
    )
    with op.batch_alter_table('reward_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_redemptions_reward_id'), ['reward_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_redemptions_customer_id'), ['customer_id'], unique=False)
    op.create_table('rich_menus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=True),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('chat_bar_text', sa.String(length=14), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('areas', JSON, nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=True),
    sa.Column('image_type', sa.String(length=20), nullable=True),
    sa.Column('alias', sa.String(length=32), nullable=True),
    sa.Column('line_id', sa.String(length=100), nullable=True),
    sa.Column('published_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_rich_menus_segment_id_segments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rich_menus')),
    sa.UniqueConstraint('name', name=op.f('uq_rich_menus_name')),
    sa.UniqueConstraint('alias', name=op.f('uq_rich_menus_alias'))
    )
    op.create_table('line_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('menu_id', sa.Integer(), nullable=False),
    sa.Column('user_ids', JSON, nullable=False),
    sa.Column('due_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['menu_id'], ['rich_menus.id'], name=op.f('fk_line_tasks_menu_id_rich_menus'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_tasks'))
    )
    with op.batch_alter_table('line_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_line_tasks_due_at'), ['due_at'], unique=False)


def downgrade() -> None:
    op.drop_table('line_tasks')
    op.drop_table('rich_menus')
    op.drop_table('reward_redemptions')
    op.drop_table('rewards')
    op.drop_table('profile_fetches')
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_column('profile_fetched_at')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('picture_url')
