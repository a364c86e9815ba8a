"""Join the customer-care and console branches of the schema (no changes of its own).

Revision ID: 0003_merge_care_console
Revises: 0002_care, 0002_console
"""

revision = "0003_merge_care_console"
down_revision = ("0002_care", "0002_console")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
