"""Privacy by design: erased people, what erasure keeps and until when, retention settings

- ``people.erased_at``: the person's data was erased on request (the row stays, nameless);
- ``retained_records``: what an erasure kept (dues for bookkeeping, accreditation decisions), until when;
- ``societies.retention_*``: the society's retention rules, applied by the daily retention job.

Revision ID: 0011_privacy
Revises: 0010_finder
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_privacy"
down_revision = "0010_finder"
branch_labels = None
depends_on = None

RETENTION = (("retention_left_member_years", "5"), ("retention_import_days", "30"), ("retention_login_days", "365"),
             ("retention_flag_years", "3"), ("retention_dues_years", "7"), ("retention_decision_years", "10"))


def upgrade():
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("societies") as batch:
        for column, default in RETENTION:
            batch.add_column(sa.Column(column, sa.Integer(), server_default=default, nullable=False))
        batch.create_check_constraint(
            op.f("ck_societies_retention_positive"),
            "retention_left_member_years >= 1 AND retention_import_days >= 1 AND retention_login_days >= 1 "
            "AND retention_flag_years >= 1 AND retention_dues_years >= 1 AND retention_decision_years >= 1")
    op.create_table(
        "retained_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("society_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum("dues_payments", "accreditation_decisions", name="retained_kind",
                                  native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_retained_records_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["society_id"], ["societies.id"], name=op.f("fk_retained_records_society_id_societies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retained_records")),
    )
    with op.batch_alter_table("retained_records") as batch:
        batch.create_index("ix_retained_records_due", ["removed_on", "keep_until"], unique=False)
        batch.create_index(batch.f("ix_retained_records_person_id"), ["person_id"], unique=False)
        batch.create_index(batch.f("ix_retained_records_society_id"), ["society_id"], unique=False)
        batch.create_index(batch.f("ix_retained_records_updated_at"), ["updated_at"], unique=False)


def downgrade():
    op.drop_table("retained_records")
    with op.batch_alter_table("societies") as batch:
        batch.drop_constraint(op.f("ck_societies_retention_positive"), type_="check")
        for column, _default in reversed(RETENTION):
            batch.drop_column(column)
    with op.batch_alter_table("people") as batch:
        batch.drop_column("erased_at")
