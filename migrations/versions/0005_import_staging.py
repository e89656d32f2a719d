"""Imports off the request: rows staged once, a "committing" state, the commit's attempts

Revision ID: 0005_import_staging
Revises: 0004_form_submissions
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_import_staging"
down_revision = "0004_form_submissions"
branch_labels = None
depends_on = None

OLD = ("validating", "valid", "invalid", "committed", "failed", "discarded")
NEW = ("validating", "valid", "invalid", "committing", "committed", "failed", "discarded")


def _statuses(values) -> str:
    return "status IN (%s)" % ", ".join(f"'{value}'" for value in values)


def upgrade():
    with op.batch_alter_table("import_batches") as batch_op:
        batch_op.drop_constraint(op.f("ck_import_batches_import_status"), type_="check")
        batch_op.create_check_constraint("import_status", _statuses(NEW))
        batch_op.add_column(sa.Column("publish_started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("publish_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("committed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_import_batches_committed_by_id_users"), "users", ["committed_by_id"],
                                    ["id"], ondelete="SET NULL")
    op.create_table(
        "import_rows",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("loaded", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batches.id"], name=op.f("fk_import_rows_batch_id_import_batches"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "row_no", name=op.f("pk_import_rows")),
    )


def downgrade():
    op.drop_table("import_rows")
    op.execute("UPDATE import_batches SET status = 'valid' WHERE status = 'committing'")
    with op.batch_alter_table("import_batches") as batch_op:
        batch_op.drop_constraint(op.f("fk_import_batches_committed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("committed_by_id")
        batch_op.drop_column("publish_attempts")
        batch_op.drop_column("publish_started_at")
        batch_op.drop_constraint(op.f("ck_import_batches_import_status"), type_="check")
        batch_op.create_check_constraint("import_status", _statuses(OLD))
