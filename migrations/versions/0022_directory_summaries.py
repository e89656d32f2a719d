"""Directory summaries: each group's published JSON, kept as text with the days it holds for

``directory_summaries`` (services/groups/summaries.py): a page of the public directory is one read
of its groups' texts. The table starts empty: a group without a summary has it built when a page first
reads it, and ``flask --app society directory rebuild`` builds them all at once. (Built here, the
summaries would tie this revision to the application's models of the day, which later revisions change.)

Revision ID: 0022_directory_summaries
Revises: 0021_rule_facts
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_directory_summaries"
down_revision = "0021_rule_facts"
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


def downgrade():
    op.drop_table("directory_summaries")
