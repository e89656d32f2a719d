"""A person's facts: qualifications with their date, evidence and verification

- ``person_qualifications``: one row per person and qualification code (psychotherapy,
  psychiatry specialist...), obtained on a day, with an evidence file, recorded by and
  verified by an administrator (never the person themselves).

Revision ID: 0015_person_facts
Revises: 0014_dues
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_person_facts"
down_revision = "0014_dues"
branch_labels = None
depends_on = None

QUALIFICATION_CODES = ("psychotherapy", "psychoanalysis", "psychiatry_specialist", "psychosomatic_specialist",
                       "general_practice_specialist", "psychodynamic_training", "psychotherapist_licence",
                       "clinical_psychologist_licence", "professional_training", "indemnity_insured",
                       "uk_form_a_registered")


def upgrade():
    op.create_table(
        "person_qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Enum(*QUALIFICATION_CODES, name="qualification_code", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("obtained_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("evidence_path", sa.String(length=300), nullable=True),
        sa.Column("evidence_name", sa.String(length=200), nullable=True),
        sa.Column("evidence_type", sa.String(length=100), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("(verified_at IS NULL) = (verified_by_id IS NULL)",
                           name=op.f("ck_person_qualifications_verified_by_and_at")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_qualifications_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_person_qualifications_recorded_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["verified_by_id"], ["users.id"],
                                name=op.f("fk_person_qualifications_verified_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_qualifications")),
        sa.UniqueConstraint("person_id", "code", name=op.f("uq_person_qualifications_person_id_code")),
    )
    with op.batch_alter_table("person_qualifications") as batch:
        batch.create_index(batch.f("ix_person_qualifications_updated_at"), ["updated_at"], unique=False)


def downgrade():
    op.drop_table("person_qualifications")
