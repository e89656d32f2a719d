"""Swedish everywhere: texts that are data carry their translations, users keep their language

- ``translations`` (JSON, {"sv": {field: text}}) on rule sets, versions and requirements;
- ``users.language``: the interface language a user chose from the menu (none: the browser's);
- ``import_row_errors.translations``: a row error's message in the other interface languages.

Revision ID: 0008_swedish
Revises: 0007_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_swedish"
down_revision = "0007_accounts"
branch_labels = None
depends_on = None

TRANSLATED_TABLES = ("rule_sets", "rule_set_versions", "requirements", "import_row_errors")


def upgrade():
    for table in TRANSLATED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("translations", sa.JSON(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
    for table in reversed(TRANSLATED_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("translations")
