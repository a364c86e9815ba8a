"""LINE follow-ups: a broadcast may carry an image and a card; a LINE task may name a menu by its
LINE id (the old menu to delete once its successor is linked, when our row already points at the
new one); a segment's menu remembers the customers it was linked to, so those who enter or leave
the segment are switched.

Revision ID: 0014_line_followups
Revises: 0013_merge_capabilities
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_line_followups"
down_revision = "0013_merge_capabilities"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_url", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("card", JSON, nullable=True))
    with op.batch_alter_table("line_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("rich_menus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("members", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rich_menus", schema=None) as batch_op:
        batch_op.drop_column("members")
    with op.batch_alter_table("line_tasks", schema=None) as batch_op:
        batch_op.drop_column("line_id")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("card")
        batch_op.drop_column("image_url")
