"""Form submissions already taken (one-time form tokens: a double click takes effect once)

Revision ID: 0004_form_submissions
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_form_submissions"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_form_submissions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    op.create_index("ix_form_submissions_submitted_at", "form_submissions", ["submitted_at"], unique=False)


def downgrade():
    op.drop_index("ix_form_submissions_submitted_at", table_name="form_submissions")
    op.drop_table("form_submissions")
