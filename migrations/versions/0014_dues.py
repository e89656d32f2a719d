"""Dues invoices, bank payment imports and renewal reminders

- ``societies``: ``payment_reference_scheme`` (plain, ocr, rf), ``dues_reminder_days`` and
  ``dues_overdue_days`` (the renewal reminders' lead times, as data);
- ``people.unsubscribed_on``: the person declined non-essential mail;
- ``dues_payments.payment_reference``: the invoice's reference a bank carries (unique);
- ``dues_reminders_sent``: each renewal reminder, sent once;
- ``payment_imports``: a bank payment file staged between its preview and its commit.

Revision ID: 0014_dues
Revises: 0013_participants
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_dues"
down_revision = "0013_participants"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("societies") as batch:
        # A plain column and its CHECK named explicitly: the same constraint on SQLite and PostgreSQL.
        batch.add_column(sa.Column("payment_reference_scheme", sa.String(length=32), server_default="plain",
                                   nullable=False))
        batch.create_check_constraint("payment_reference_scheme",
                                      "payment_reference_scheme IN ('plain', 'ocr', 'rf')")
        batch.add_column(sa.Column("dues_reminder_days", sa.String(length=40), server_default="30", nullable=False))
        batch.add_column(sa.Column("dues_overdue_days", sa.String(length=40), server_default="14", nullable=False))
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("unsubscribed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("dues_payments") as batch:
        batch.add_column(sa.Column("payment_reference", sa.String(length=35), nullable=True))
        batch.create_unique_constraint(batch.f("uq_dues_payments_payment_reference"), ["payment_reference"])
    op.create_table(
        "dues_reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dues_payment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("before_due", "overdue", name="dues_reminder_kind", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("job_run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("lead_days >= 0", name=op.f("ck_dues_reminders_sent_lead_days_not_negative")),
        sa.ForeignKeyConstraint(["dues_payment_id"], ["dues_payments.id"],
                                name=op.f("fk_dues_reminders_sent_dues_payment_id_dues_payments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job_run_id"], ["job_runs.id"],
                                name=op.f("fk_dues_reminders_sent_job_run_id_job_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_reminders_sent")),
        sa.UniqueConstraint("dues_payment_id", "kind", "lead_days", "due_on",
                            name=op.f("uq_dues_reminders_sent_dues_payment_id_kind_lead_days_due_on")),
    )
    op.create_index(op.f("ix_dues_reminders_sent_job_run_id"), "dues_reminders_sent", ["job_run_id"])
    op.create_table(
        "payment_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("society_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("staged", "committed", "discarded", name="payment_import_status",
                                    native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["society_id"], ["societies.id"],
                                name=op.f("fk_payment_imports_society_id_societies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_payment_imports_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_imports")),
    )
    op.create_index(op.f("ix_payment_imports_society_id"), "payment_imports", ["society_id"])
    op.create_index(op.f("ix_payment_imports_updated_at"), "payment_imports", ["updated_at"])


def downgrade():
    op.drop_index(op.f("ix_payment_imports_updated_at"), table_name="payment_imports")
    op.drop_index(op.f("ix_payment_imports_society_id"), table_name="payment_imports")
    op.drop_table("payment_imports")
    op.drop_index(op.f("ix_dues_reminders_sent_job_run_id"), table_name="dues_reminders_sent")
    op.drop_table("dues_reminders_sent")
    with op.batch_alter_table("dues_payments") as batch:
        batch.drop_constraint(batch.f("uq_dues_payments_payment_reference"), type_="unique")
        batch.drop_column("payment_reference")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("unsubscribed_on")
    with op.batch_alter_table("societies") as batch:
        batch.drop_constraint("payment_reference_scheme", type_="check")
        batch.drop_column("dues_overdue_days")
        batch.drop_column("dues_reminder_days")
        batch.drop_column("payment_reference_scheme")
