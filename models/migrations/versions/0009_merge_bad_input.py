"""Join the two schema branches of the bad-input work (API refunds, console sessions); no changes of its own.

Revision ID: 0009_merge_bad_input
Revises: 0008_api, 0008_console_sessions
"""

revision = "0009_merge_bad_input"
down_revision = ("0008_api", "0008_console_sessions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
