"""The supervisors a society lists (the ABS's "supervisor from the ABS list")

- ``supervisor_listings``: one row per society, person and day the listing starts, with the last
  day on the list (none: still listed) and a note.

Revision ID: 0018_supervisor_list
Revises: 0017_record_facts
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_supervisor_list"
down_revision = "0017_record_facts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supervisor_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("society_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("listed_from", sa.Date(), nullable=False),
        sa.Column("listed_until", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("listed_until IS NULL OR listed_until >= listed_from",
                           name=op.f("ck_supervisor_listings_until_after_from")),
        sa.ForeignKeyConstraint(["society_id"], ["societies.id"], name=op.f("fk_supervisor_listings_society_id_societies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_supervisor_listings_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_listings")),
        sa.UniqueConstraint("society_id", "person_id", "listed_from",
                            name=op.f("uq_supervisor_listings_society_id_person_id_listed_from")),
    )
    with op.batch_alter_table("supervisor_listings") as batch:
        batch.create_index("ix_supervisor_listings_person_society", ["person_id", "society_id"], unique=False)
        batch.create_index(batch.f("ix_supervisor_listings_updated_at"), ["updated_at"], unique=False)


def downgrade():
    op.drop_table("supervisor_listings")
