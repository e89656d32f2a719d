"""Two-factor authentication and log-in throttling per client address

TOTP columns on users (the encrypted secret, when it was turned on, the last time step
accepted), single-use recovery codes kept as hashes, the society's requirement for its
administrators, and an index to count failed log-ins per client address.

Revision ID: 0006_twofactor
Revises: 0005_import_staging
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_twofactor"
down_revision = "0005_import_staging"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("societies") as batch:
        batch.add_column(sa.Column("require_admin_2fa", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_codes_code_hash")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], unique=False)
    op.create_index("ix_audit_events_action_ip_time", "audit_events", ["action", "ip", "occurred_at"], unique=False)


def downgrade():
    op.drop_index("ix_audit_events_action_ip_time", table_name="audit_events")
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("societies") as batch:
        batch.drop_column("require_admin_2fa")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
