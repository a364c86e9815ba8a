"""Shop API: a refund names the order it refunds (`orders.refund_of_id`), so the API can refuse
refunds larger than what was paid for that order.

Revision ID: 0008_api
Revises: 0007_console_more
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_api"
down_revision = "0007_console_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refund_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_refund_of_id"), ["refund_of_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_orders_refund_of_id_orders"), "orders", ["refund_of_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_orders_refund_of_id_orders"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_orders_refund_of_id"))
        batch_op.drop_column("refund_of_id")
