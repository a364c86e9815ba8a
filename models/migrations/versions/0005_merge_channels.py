"""Join the channels branch of the schema (Telegram and email) with care and console (no changes of its own).

Revision ID: 0005_merge_channels
Revises: 0003_merge_care_console, 0002_channels
"""

revision = "0005_merge_channels"
down_revision = ("0003_merge_care_console", "0002_channels")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
