"""Directory summaries: each group's published JSON, kept as text with the days it holds for

``directory_summaries`` (services/groups/summaries.py): a page of the public directory is one read
of its groups' texts. The summaries of existing groups are built here, by the application's own
builder (so they are exactly what it publishes); a group without one is also built when first read,
and ``flask --app society directory rebuild`` rewrites them all.

Revision ID: 0020_directory_summaries
Revises: 0019_member_list
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_directory_summaries"
down_revision = "0019_member_list"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "directory_summaries",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_directory_summaries_group_id_groups"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_directory_summaries")),
    )
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT 1 FROM groups LIMIT 1")).first() is not None:
        from society.services.groups import summaries

        summaries.rebuild_all(connection)


def downgrade():
    op.drop_table("directory_summaries")
