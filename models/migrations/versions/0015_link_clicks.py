"""Link clicks and template versions: a journey message's links are tracked (the first click on a
step's links is remembered on its step run, which the per-step figures and the "clicked a link"
condition read), and a journey made from a built-in template remembers which version of the
template it was made from, so the shop is told when the template has changed since.

Revision ID: 0015_link_clicks
Revises: 0014_line_followups
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_link_clicks"
down_revision = "0014_line_followups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("journey_step_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clicked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_column("template_digest")
    with op.batch_alter_table("journey_step_runs", schema=None) as batch_op:
        batch_op.drop_column("clicked_at")
