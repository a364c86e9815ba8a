"""Join the schema branches of tracked journey links and of LINE audiences and rich-menu pins; no
changes of their own.

Revision ID: 0016_merge_links_line_data
Revises: 0015_link_clicks, 0015_line_data
"""

revision = "0016_merge_links_line_data"
down_revision = ("0015_link_clicks", "0015_line_data")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
