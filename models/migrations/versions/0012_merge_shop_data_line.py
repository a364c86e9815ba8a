"""Join the operator-data branch (products, imports, demo rows) and the LINE-surface branch
(profiles, rewards, rich menus); no changes of its own. Both add to `customers`: the member code
is declared once, in 0011_operator_data.

Revision ID: 0012_merge_shop_data_line
Revises: 0011_operator_data, 0011_line_surface
"""

revision = "0012_merge_shop_data_line"
down_revision = ("0011_operator_data", "0011_line_surface")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
