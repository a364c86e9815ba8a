"""Journeys: the journeys and their versions, enrollments, step runs, and the marketing-send ledger.

Revision ID: 0011_journeys
Revises: 0010_tags
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = '0011_journeys'
down_revision = '0010_tags'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journeys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('trigger', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('entry_criteria', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reentry', sa.String(length=10), nullable=False),
    sa.Column('reentry_days', sa.Integer(), nullable=False),
    sa.Column('holdout_percent', sa.Integer(), nullable=False),
    sa.Column('goal', sa.String(length=30), nullable=True),
    sa.Column('goal_days', sa.Integer(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journeys')),
    sa.UniqueConstraint('name', name=op.f('uq_journeys_name'))
    )
    op.create_table('journey_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('steps', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_journey_versions_journey_id_journeys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_versions')),
    sa.UniqueConstraint('journey_id', 'number', name=op.f('uq_journey_versions_journey_id_number'))
    )
    op.create_table('marketing_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_marketing_sends_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_sends'))
    )
    with op.batch_alter_table('marketing_sends', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_sends_customer_at', ['customer_id', 'at'], unique=False)

    op.create_table('journey_enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=100), nullable=False),
    sa.Column('group', sa.String(length=10), nullable=False),
    sa.Column('variant', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=True),
    sa.Column('due_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('wait_event', sa.String(length=60), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('entered_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('exited_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('converted_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('exit_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_journey_enrollments_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_journey_enrollments_journey_id_journeys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['journey_versions.id'], name=op.f('fk_journey_enrollments_version_id_journey_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_enrollments')),
    sa.UniqueConstraint('journey_id', 'customer_id', 'entry_key', name=op.f('uq_journey_enrollments_journey_id_customer_id_entry_key'))
    )
    with op.batch_alter_table('journey_enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_journey_enrollments_customer_id', ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journey_enrollments_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index('ix_journey_enrollments_status_due_at', ['status', 'due_at'], unique=False)

    op.create_table('journey_step_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['journey_enrollments.id'], name=op.f('fk_journey_step_runs_enrollment_id_journey_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_journey_step_runs_journey_id_journeys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_step_runs')),
    sa.UniqueConstraint('enrollment_id', 'step', name=op.f('uq_journey_step_runs_enrollment_id_step'))
    )
    with op.batch_alter_table('journey_step_runs', schema=None) as batch_op:
        batch_op.create_index('ix_journey_step_runs_journey_step', ['journey_id', 'step'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('journey_step_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_journey_step_runs_journey_step')

    op.drop_table('journey_step_runs')
    with op.batch_alter_table('journey_enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_journey_enrollments_status_due_at')
        batch_op.drop_index(batch_op.f('ix_journey_enrollments_journey_id'))
        batch_op.drop_index('ix_journey_enrollments_customer_id')

    op.drop_table('journey_enrollments')
    with op.batch_alter_table('marketing_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_sends_customer_at')

    op.drop_table('marketing_sends')
    op.drop_table('journey_versions')
    op.drop_table('journeys')
