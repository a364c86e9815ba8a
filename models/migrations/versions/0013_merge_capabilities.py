"""Join the schema branches of the hot path (reference versions), journeys, the shop's data and
LINE surface, and customer value; no changes of their own.

Revision ID: 0013_merge_capabilities
Revises: 0010_hot_path, 0011_journeys, 0012_merge_shop_data_line, 0012_customer_value
"""

revision = "0013_merge_capabilities"
down_revision = ("0010_hot_path", "0011_journeys", "0012_merge_shop_data_line", "0012_customer_value")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
