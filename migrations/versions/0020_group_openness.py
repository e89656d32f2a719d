"""A group's openness on a day (issue 13): the dated history of "accepting members"

- ``group_openness``: one row per group and day a state took effect (closed to new members or open),
  with who set it. The rules read the state on a session's day ("online only in a closed group").

Backfill: every existing group gets one row, its current ``accepting_members`` from the day it was
created (``created_at``), set by nobody (the migration). Before a group's first row its first state
holds, so every verdict reads as it did before this revision until an administrator corrects the
history (e.g. "closed since 2024-03-01") on the group's page.

Revision ID: 0020_group_openness
Revises: 0019_member_list
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_group_openness"
down_revision = "0019_member_list"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "group_openness",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("accepting_members", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_group_openness_group_id_groups"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_group_openness_set_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_openness")),
        sa.UniqueConstraint("group_id", "effective_from", name=op.f("uq_group_openness_group_id_effective_from")),
    )
    with op.batch_alter_table("group_openness") as batch:
        batch.create_index(batch.f("ix_group_openness_updated_at"), ["updated_at"], unique=False)
    # The day each group was created, in the database's own words for a timestamp's date.
    created_on = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    op.execute(f"INSERT INTO group_openness (group_id, accepting_members, effective_from) "
               f"SELECT id, accepting_members, {created_on} FROM groups")


def downgrade():
    op.drop_table("group_openness")
