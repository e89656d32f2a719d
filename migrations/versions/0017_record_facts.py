"""Training records carry the facts the rule language filters on

- ``training_records.provider``: who ran an intensive or workshop (e.g. BSANZ, UKBS, IBF, ABS);
- ``training_records.report_kind``: what a supervisor's report is (six_monthly, final, co_leader, supervisor);
- ``training_records.tags``: further facts a rule set names, as comma-separated codes.

Revision ID: 0017_record_facts
Revises: 0016_rules_language
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_record_facts"
down_revision = "0016_rules_language"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_records") as batch:
        batch.add_column(sa.Column("provider", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("report_kind", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("tags", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("training_records") as batch:
        for column in ("tags", "report_kind", "provider"):
            batch.drop_column(column)
