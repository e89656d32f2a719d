"""Trigram indexes of people's names and e-mails, on PostgreSQL

The PostgreSQL counterpart of 0002: the member search's ``ILIKE '%word%'`` on the given
name, the family name and the e-mail can use a GIN index with ``gin_trgm_ops`` for any word
of three letters or more (the planner combines the three in a bitmap), where it scanned
every person before. The indexes need the ``pg_trgm`` extension, which is part of
PostgreSQL's contrib set and "trusted" (a database owner may create it). Where it cannot be
created, the migration says so and leaves the search as it was: slower, never wrong.

Revision ID: 0003
Revises: 0002
"""
import logging

from alembic import op
from sqlalchemy import text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (index, column); migrations/env.py keeps names ending in _trgm out of autogenerate.
INDEXES = (("ix_people_given_name_trgm", "given_name"), ("ix_people_family_name_trgm", "family_name"),
           ("ix_people_email_trgm", "email"))

log = logging.getLogger("alembic.runtime.migration")


def _trigram_extension_ready(connection) -> bool:
    if connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return True
    savepoint = connection.begin_nested()  # a refused CREATE EXTENSION must not end the migration's transaction
    try:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as error:  # noqa: BLE001 - not installed on the server, or not allowed: reported below
        savepoint.rollback()
        log.warning("pg_trgm is not available (%s); the member search keeps scanning people.",
                    str(error).splitlines()[0])
        return False
    savepoint.commit()
    return True


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "postgresql" or not _trigram_extension_ready(connection):
        return
    for name, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
