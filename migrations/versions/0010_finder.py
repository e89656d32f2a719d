"""The group finder: join details, calendar exceptions, personal calendar feeds, embedding

- ``groups``: setting, term (ongoing / time-limited), open places, meeting weekday, time and
  time zone, address, CME recognition;
- ``session_exceptions``: a cancelled or moved occurrence of a group's rhythm;
- ``users.calendar_token_hash``: the sha256 of a leader's personal calendar feed address;
- ``societies.finder_frame_ancestors``: sites allowed to embed the public finder.

Revision ID: 0010_finder
Revises: 0009_participants
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_finder"
down_revision = "0009_participants"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("groups") as batch:
        # Plain strings here, their CHECKs added below by name: an Enum's own CHECK would be
        # emitted against the table before batch mode has added the column.
        batch.add_column(sa.Column("setting", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("term", sa.String(length=32), server_default="ongoing", nullable=False))
        batch.add_column(sa.Column("open_places", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("meeting_weekday", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("meeting_time", sa.Time(), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("cme_recognised", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("cme_recognised_by", sa.String(length=200), nullable=True))
        batch.create_check_constraint(
            "group_setting", "setting IN ('primary_care', 'private_practice', 'residency', 'hospital', 'other')")
        batch.create_check_constraint("group_term", "term IN ('ongoing', 'time_limited')")
        batch.create_check_constraint("open_places_not_negative", "open_places IS NULL OR open_places >= 0")
        batch.create_check_constraint("meeting_weekday_range",
                                      "meeting_weekday IS NULL OR (meeting_weekday >= 0 AND meeting_weekday <= 6)")
        batch.create_check_constraint("time_limited_has_end", "term <> 'time_limited' OR ends_on IS NOT NULL")

    op.create_table(
        "session_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("occurs_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("moved_to", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("kind IN ('cancelled', 'moved')", name=op.f("ck_session_exceptions_session_exception_kind")),
        sa.CheckConstraint("kind <> 'moved' OR moved_to IS NOT NULL", name=op.f("ck_session_exceptions_moved_has_new_time")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_session_exceptions_group_id_groups"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_exceptions")),
        sa.UniqueConstraint("group_id", "occurs_on", name=op.f("uq_session_exceptions_group_id_occurs_on")),
    )
    op.create_index(op.f("ix_session_exceptions_group_id"), "session_exceptions", ["group_id"])
    op.create_index(op.f("ix_session_exceptions_updated_at"), "session_exceptions", ["updated_at"])

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("calendar_token_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_users_calendar_token_hash", ["calendar_token_hash"])
    with op.batch_alter_table("societies") as batch:
        batch.add_column(sa.Column("finder_frame_ancestors", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("societies") as batch:
        batch.drop_column("finder_frame_ancestors")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_calendar_token_hash", type_="unique")
        batch.drop_column("calendar_token_hash")
    op.drop_index(op.f("ix_session_exceptions_updated_at"), table_name="session_exceptions")
    op.drop_index(op.f("ix_session_exceptions_group_id"), table_name="session_exceptions")
    op.drop_table("session_exceptions")
    with op.batch_alter_table("groups") as batch:
        batch.drop_constraint("time_limited_has_end", type_="check")
        batch.drop_constraint("meeting_weekday_range", type_="check")
        batch.drop_constraint("open_places_not_negative", type_="check")
        batch.drop_constraint("group_term", type_="check")
        batch.drop_constraint("group_setting", type_="check")
        for column in ("cme_recognised_by", "cme_recognised", "address", "timezone", "meeting_time",
                       "meeting_weekday", "open_places", "term", "setting"):
            batch.drop_column(column)
