"""The console, second part: a coupon issued per broadcast recipient, broadcast text per language,
recipients withheld at send time (consent withdrawn after planning), and settings admins edit
(complaint phrase lists) in `console_settings`.

Revision ID: 0007_console_more
Revises: 0006_merge_commerce
Create Date: 2026-11-24 18:44:54.218982
"""

from alembic import op
import sqlalchemy as sa
import models.base
from sqlalchemy.dialects import postgresql

revision = '0007_console_more'
down_revision = '0006_merge_commerce'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['console_users.id'], name=op.f('fk_console_settings_updated_by_id_console_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_console_settings'))
    )
    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withheld', sa.String(length=20), nullable=True))

    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False,
                                      server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('coupon_template_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_broadcasts_coupon_template_id_coupon_templates'), 'coupon_templates', ['coupon_template_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_broadcasts_coupon_template_id_coupon_templates'), type_='foreignkey')
        batch_op.drop_column('coupon_template_id')
        batch_op.drop_column('translations')

    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.drop_column('withheld')
        batch_op.drop_column('coupon_id')

    op.drop_table('console_settings')
