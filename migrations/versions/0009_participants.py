"""Rule sets for participants: ``rule_sets.audience`` says whom a credential is for

``leader`` (an accreditation pathway, as before) or ``participant`` (proof of attendance such as
the German Psychosomatische Grundversorgung, evaluated from the sessions a person attended).

Revision ID: 0009_participants
Revises: 0008_swedish
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_participants"
down_revision = "0008_swedish"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rule_sets") as batch:
        batch.add_column(sa.Column(
            "audience",
            sa.Enum("leader", "participant", name="rule_set_audience", native_enum=False, create_constraint=True,
                    length=32),
            nullable=False, server_default="leader",
        ))


def downgrade():
    with op.batch_alter_table("rule_sets") as batch:
        batch.drop_constraint(op.f("ck_rule_sets_rule_set_audience"), type_="check")
        batch.drop_column("audience")
