"""Join the commerce branch of the schema (coupons, points, API keys, staff tasks) with the rest
(no changes of its own).

Revision ID: 0006_merge_commerce
Revises: 0005_merge_channels, 0002_commerce
"""

revision = "0006_merge_commerce"
down_revision = ("0005_merge_channels", "0002_commerce")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
