"""The hot path: a version stamp for the reference data, bumped by triggers on every write to it,
so each process can cache FAQ answers, console settings and coupon templates and re-read them only
when they changed (models/reference.py says why a random stamp and why triggers).

Revision ID: 0010_hot_path
Revises: 0009_merge_bad_input
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_hot_path"
down_revision = "0009_merge_bad_input"
branch_labels = None
depends_on = None

TABLES = ("faq_answers", "console_settings", "coupon_templates")  # models.reference.REFERENCE_TABLES as of this revision
PG_BUMP = """
CREATE FUNCTION bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reference_versions (id, version) VALUES (1, (random() * 9e18)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "reference_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_versions")),
    )
    op.execute("INSERT INTO reference_versions (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_BUMP)
        for table in TABLES:  # one bump per statement, also for TRUNCATE
            op.execute(f"CREATE TRIGGER {table}_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_version()")
        return
    # SQLite has row triggers only, and a trigger's own conflict clause gives way to the outer
    # statement's (an upsert's), so the trigger only UPDATEs the row this migration inserted.
    for table in TABLES:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_reference_version_{operation.lower()} AFTER {operation} ON {table} BEGIN "
                       "UPDATE reference_versions SET version = random() WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_reference_version()")
    else:
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_version_{operation}")
    op.drop_table("reference_versions")
