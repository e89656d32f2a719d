"""The rule language: requirements carry constraints, a code, a source; example rule sets say so

- ``rule_sets.is_example``: shipped as an example, not a society's published rules;
- ``requirements.code``: how other requirements of the version refer to this one;
- ``requirements.constraints``: what it asks beyond a minimum (services/accreditation/constraints.py);
- ``requirements.advisory``: shown with its progress, never blocks;
- ``requirements.source`` / ``source_checked_on`` / ``unverified``: where the rule comes from, when
  that was checked, and whether its figure could be read there.

Revision ID: 0016_rules_language
Revises: 0015_person_facts
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_rules_language"
down_revision = "0015_person_facts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rule_sets") as batch:
        batch.add_column(sa.Column("is_example", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("requirements") as batch:
        batch.add_column(sa.Column("code", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("constraints", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("advisory", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("source", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("source_checked_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("unverified", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("requirements") as batch:
        for column in ("unverified", "source_checked_on", "source", "advisory", "constraints", "code"):
            batch.drop_column(column)
    with op.batch_alter_table("rule_sets") as batch:
        batch.drop_column("is_example")
