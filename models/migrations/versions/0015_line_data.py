"""LINE data: an audience upload becomes the worker's durable task (the ids to send, how many
LINE took, retries); a deleted rich menu is kept, hidden, until the worker deleted it on LINE; a
LINE task given up is kept with its reason for the console; a customer pinned to a menu (a journey
step, staff) keeps it over their segment's and tier's menus.

Revision ID: 0015_line_data
Revises: 0014_line_followups
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0015_line_data"
down_revision = "0014_line_followups"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("line_audiences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_ids", JSON, nullable=True))
        batch_op.add_column(sa.Column("uploaded", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("due_at", models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_line_audiences_due_at"), ["due_at"], unique=False)
    with op.batch_alter_table("rich_menus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", models.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table("line_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", models.base.UTCDateTime(), nullable=True))
    op.create_table(
        "rich_menu_pins",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("menu_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_rich_menu_pins_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["menu_id"], ["rich_menus.id"], name=op.f("fk_rich_menu_pins_menu_id_rich_menus"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_rich_menu_pins")),
    )
    with op.batch_alter_table("rich_menu_pins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rich_menu_pins_menu_id"), ["menu_id"], unique=False)


def downgrade() -> None:
    op.drop_table("rich_menu_pins")
    with op.batch_alter_table("line_tasks", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
    with op.batch_alter_table("rich_menus", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
    with op.batch_alter_table("line_audiences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_audiences_due_at"))
        batch_op.drop_column("due_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("uploaded")
        batch_op.drop_column("user_ids")
