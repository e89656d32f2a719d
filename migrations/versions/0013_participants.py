"""Participants' certificates and continuing-education points

``certificates`` gain a kind (``accreditation``, ``attendance``, ``participant_credential``), the
holder and society for every kind (filled in from the accreditation for the certificates already
issued), the participant rule set met and the period and group an attendance certificate covers;
``accreditation_id`` is only required of an accreditation's certificate. ``societies`` gain
``cme_points_per_hour``: the Swedish society's 1 point per hour is set here. ``participant_choices``:
participant rule sets a person follows beyond their own societies'.

Revision ID: 0013_participants
Revises: 0012_webhooks
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_participants"
down_revision = "0012_webhooks"
branch_labels = None
depends_on = None

KIND = sa.Enum("accreditation", "attendance", "participant_credential", name="certificate_kind",
               native_enum=False, create_constraint=True, length=32)
ATTENDANCE_YEAR = "kind = 'attendance' AND group_id IS NULL AND revoked_at IS NULL"


def upgrade():
    with op.batch_alter_table("societies") as batch:
        batch.add_column(sa.Column("cme_points_per_hour", sa.Numeric(4, 2), nullable=True))
        batch.create_check_constraint("cme_rate_not_negative", "cme_points_per_hour IS NULL OR cme_points_per_hour >= 0")
    op.execute("UPDATE societies SET cme_points_per_hour = 1 WHERE code = 'SBS'")

    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("kind", KIND, server_default="accreditation", nullable=False))
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("society_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rule_set_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch.add_column(sa.Column("period_end", sa.Date(), nullable=True))
    op.execute("UPDATE certificates SET person_id = (SELECT a.person_id FROM accreditations a"
               " WHERE a.id = certificates.accreditation_id)")
    op.execute("UPDATE certificates SET society_id = (SELECT r.society_id FROM accreditations a"
               " JOIN rule_set_versions v ON v.id = a.rule_set_version_id JOIN rule_sets r ON r.id = v.rule_set_id"
               " WHERE a.id = certificates.accreditation_id)")
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("accreditation_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("society_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(op.f("fk_certificates_person_id_people"), "people", ["person_id"], ["id"],
                                 ondelete="RESTRICT")
        batch.create_foreign_key(op.f("fk_certificates_society_id_societies"), "societies", ["society_id"], ["id"],
                                 ondelete="RESTRICT")
        batch.create_foreign_key(op.f("fk_certificates_rule_set_id_rule_sets"), "rule_sets", ["rule_set_id"], ["id"],
                                 ondelete="RESTRICT")
        batch.create_foreign_key(op.f("fk_certificates_group_id_groups"), "groups", ["group_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_check_constraint(
            "kind_fields",
            "(kind = 'accreditation' AND accreditation_id IS NOT NULL)"
            " OR (kind = 'attendance' AND period_start IS NOT NULL AND period_end IS NOT NULL"
            " AND period_end >= period_start)"
            " OR (kind = 'participant_credential' AND rule_set_id IS NOT NULL)")
        batch.create_index(op.f("ix_certificates_person_id"), ["person_id"], unique=False)
        batch.create_index(op.f("ix_certificates_society_id"), ["society_id"], unique=False)
    op.create_table(
        "participant_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_participant_choices_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rule_set_id"], ["rule_sets.id"],
                                name=op.f("fk_participant_choices_rule_set_id_rule_sets"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_choices")),
        sa.UniqueConstraint("person_id", "rule_set_id", name=op.f("uq_participant_choices_person_id_rule_set_id")),
    )
    op.create_index(op.f("ix_participant_choices_person_id"), "participant_choices", ["person_id"], unique=False)
    op.create_index(op.f("ix_participant_choices_updated_at"), "participant_choices", ["updated_at"], unique=False)
    op.create_index("ux_certificates_attendance_year", "certificates",
                    ["person_id", "society_id", "period_start", "period_end"], unique=True,
                    sqlite_where=sa.text(ATTENDANCE_YEAR), postgresql_where=sa.text(ATTENDANCE_YEAR))


def downgrade():
    op.drop_index(op.f("ix_participant_choices_updated_at"), table_name="participant_choices")
    op.drop_index(op.f("ix_participant_choices_person_id"), table_name="participant_choices")
    op.drop_table("participant_choices")
    op.execute("DELETE FROM certificates WHERE kind <> 'accreditation'")
    op.drop_index("ux_certificates_attendance_year", table_name="certificates")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_index(op.f("ix_certificates_society_id"))
        batch.drop_index(op.f("ix_certificates_person_id"))
        batch.drop_constraint(op.f("ck_certificates_kind_fields"), type_="check")
        batch.drop_constraint(op.f("fk_certificates_group_id_groups"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_certificates_rule_set_id_rule_sets"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_certificates_society_id_societies"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_certificates_person_id_people"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_certificates_certificate_kind"), type_="check")
        batch.alter_column("accreditation_id", existing_type=sa.Integer(), nullable=False)
        for column in ("period_end", "period_start", "group_id", "rule_set_id", "society_id", "person_id", "kind"):
            batch.drop_column(column)
    with op.batch_alter_table("societies") as batch:
        batch.drop_constraint(op.f("ck_societies_cme_rate_not_negative"), type_="check")
        batch.drop_column("cme_points_per_hour")
