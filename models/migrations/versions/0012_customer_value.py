"""Customer value (issue 16): lifetime value, churn risk and cluster per customer, the clusters
with their strategy, "bought together" pairs, recommendations per customer, and the models' quality.

Revision ID: 0012_customer_value
Revises: 0011_operator_data
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0012_customer_value'
down_revision = '0011_operator_data'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_pairs',
    sa.Column('sku', sa.String(length=100), nullable=False),
    sa.Column('related_sku', sa.String(length=100), nullable=False),
    sa.Column('together', sa.Integer(), nullable=False),
    sa.Column('lift', sa.Float(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku', 'related_sku', name=op.f('pk_product_pairs'))
    )
    op.create_table('value_clusters',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('stats', models.base.JSONType, nullable=False),
    sa.Column('suggested', sa.String(length=20), nullable=False),
    sa.Column('strategy', sa.String(length=20), nullable=True),
    sa.Column('computed_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_value_clusters'))
    )
    op.create_table('value_models',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('params', models.base.JSONType, nullable=False),
    sa.Column('quality', models.base.JSONType, nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_value_models'))
    )
    op.create_table('customer_recommendations',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_recommendations_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'rank', name=op.f('pk_customer_recommendations'))
    )
    op.create_table('customer_values',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('expected_purchases', sa.Float(), nullable=True),
    sa.Column('expected_spend', sa.Float(), nullable=True),
    sa.Column('p_alive', sa.Float(), nullable=True),
    sa.Column('churn_risk', sa.Float(), nullable=True),
    sa.Column('cluster', sa.Integer(), nullable=True),
    sa.Column('loss', sa.Boolean(), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_values_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_values'))
    )
    with op.batch_alter_table('customer_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_values_churn_risk'), ['churn_risk'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_values_cluster'), ['cluster'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('customer_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_values_cluster'))
        batch_op.drop_index(batch_op.f('ix_customer_values_churn_risk'))

    op.drop_table('customer_values')
    op.drop_table('customer_recommendations')
    op.drop_table('value_models')
    op.drop_table('value_clusters')
    op.drop_table('product_pairs')
