"""The facts three published rules need

- ``person_qualifications.training_started_on``: when the training leading to a qualification began
  (UK: "8 sessions during or after psychodynamic training"), never after it was obtained;
- ``training_records.days``: how many days a record lasted (USA: "a first 4-day intensive");
- ``training_records.outside_group``: the group an imported record took place in when it is no group
  of the registry (DBG: "mostly in one continuous group").

Revision ID: 0021_rule_facts
Revises: 0020_group_openness
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_rule_facts"
down_revision = "0020_group_openness"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person_qualifications") as batch:
        batch.add_column(sa.Column("training_started_on", sa.Date(), nullable=True))
        batch.create_check_constraint("training_before_obtained",
                                      "training_started_on IS NULL OR training_started_on <= obtained_on")
    with op.batch_alter_table("training_records") as batch:
        batch.add_column(sa.Column("days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("outside_group", sa.String(length=120), nullable=True))
        batch.create_check_constraint("days_positive", "days IS NULL OR days >= 1")


def downgrade():
    with op.batch_alter_table("training_records") as batch:
        batch.drop_constraint(op.f("ck_training_records_days_positive"), type_="check")
        batch.drop_column("outside_group")
        batch.drop_column("days")
    with op.batch_alter_table("person_qualifications") as batch:
        batch.drop_constraint(op.f("ck_person_qualifications_training_before_obtained"), type_="check")
        batch.drop_column("training_started_on")
