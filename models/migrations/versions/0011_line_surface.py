"""LINE as customers know it: member codes on customers.

Revision ID: 0011_line_surface
Revises: 0010_tags
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_line_surface'
down_revision = '0010_tags'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_code', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_customers_member_code'), ['member_code'])


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_customers_member_code'), type_='unique')
        batch_op.drop_column('member_code')
