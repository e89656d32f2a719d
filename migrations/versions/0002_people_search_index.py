"""A trigram full-text index of people's names and e-mails, on SQLite

The administrators' member search matches any part of a name or e-mail (LIKE '%word%'),
which no B-tree index can serve: at 100,000 people each search scanned the whole table.
SQLite's FTS5 trigram tokenizer indexes every three-letter sequence, so a word of three
letters or more finds its people through the index, case-insensitively. The index is an
external-content table over ``people``, kept current by triggers (so bulk inserts and
every write path are covered). PostgreSQL keeps the plain ILIKE scan.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = "given_name, family_name, email"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE people_search USING fts5({COLUMNS}, content='people', "
               "content_rowid='id', tokenize='trigram')")
    op.execute(f"""CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
        INSERT INTO people_search(rowid, {COLUMNS}) VALUES (new.id, new.given_name, new.family_name, new.email);
    END""")
    op.execute(f"""CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN
        INSERT INTO people_search(people_search, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.given_name, old.family_name, old.email);
    END""")
    op.execute(f"""CREATE TRIGGER people_search_update AFTER UPDATE OF {COLUMNS} ON people BEGIN
        INSERT INTO people_search(people_search, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.given_name, old.family_name, old.email);
        INSERT INTO people_search(rowid, {COLUMNS}) VALUES (new.id, new.given_name, new.family_name, new.email);
    END""")
    op.execute("INSERT INTO people_search(people_search) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("people_search_insert", "people_search_delete", "people_search_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS people_search")
