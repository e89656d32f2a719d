"""One inventory of personal data, read from the models themselves.

A column is personal when the model marks it with ``personal()`` (``models/_base.py``). A row
belongs to a person when its table has a ``person_id`` foreign key to ``people`` ("owned"), or a
NOT NULL foreign key to a row that does (a membership's dues, an accreditation's decisions and
certificates, a login's recovery codes). Export and erasure walk these two facts, so a new
marked column or a new table hanging off a person is exported and erased without a hand list.
``tests/test_privacy_inventory.py`` fails when a column that looks personal carries no marker.
"""
from dataclasses import dataclass

from sqlalchemy import Column, Table

from ...extensions import db

PEOPLE = "people"
OWNER_COLUMN = "person_id"
# The audit trail is walked by its own rules (erasure.pseudonymise_audit_trail): it holds no
# foreign keys and its values are JSON, so it is neither owned nor blanked column by column.
AUDIT = "audit_events"
# Columns whose values never leave the database, not even in a person's own export.
SECRET_COLUMNS = {"password_hash", "session_token", "totp_secret", "code_hash", "token_hash"}


@dataclass(frozen=True)
class Owned:
    """A table whose rows belong to a person: through ``column`` pointing at ``parent``'s rows
    (``parent`` None: ``column`` is the person's id)."""
    table: Table
    column: Column
    parent: str | None


def tables() -> dict[str, Table]:
    return dict(db.metadata.tables)


def personal_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if column.info.get("personal")]


def marked() -> dict[str, list[str]]:
    """Every marked column, by table: the inventory an administrator or auditor reads."""
    return {name: [c.name for c in personal_columns(table)]
            for name, table in sorted(tables().items()) if personal_columns(table)}


def _person_key(table: Table) -> Column | None:
    column = table.columns.get(OWNER_COLUMN)
    if column is not None and any(fk.column.table.name == PEOPLE for fk in column.foreign_keys):
        return column
    return None


def owned_tables() -> list[Owned]:
    """The person's own table first, then tables owned directly, then their children (recursively),
    so parents always come before the rows that hang off them."""
    people = tables()[PEOPLE]
    found = [Owned(people, people.c.id, None)]
    names = {PEOPLE}
    for table in db.metadata.sorted_tables:
        key = _person_key(table)
        if key is not None and table.name not in names:
            found.append(Owned(table, key, None))
            names.add(table.name)
    grew = True
    while grew:
        grew = False
        for table in db.metadata.sorted_tables:
            if table.name in names or table.name == AUDIT:
                continue
            for column in table.columns:
                parents = [fk.column.table.name for fk in column.foreign_keys]
                if not column.nullable and parents and parents[0] in names - {PEOPLE}:
                    found.append(Owned(table, column, parents[0]))
                    names.add(table.name)
                    grew = True
                    break
    return found


def primary_key(table: Table) -> Column | None:
    keys = list(table.primary_key.columns)
    return keys[0] if len(keys) == 1 else None


def model_name(table: Table) -> str | None:
    """The model class behind a table: the audit trail names rows by it."""
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_.__name__
    return None
