"""Counting the SQL statements a piece of code sends: how tests prove there is no query per row."""
from contextlib import contextmanager

from sqlalchemy import event

from society.extensions import db


@contextmanager
def counting_queries(selects_only: bool = False):
    """Yields the list of statements sent to the database inside the block."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if not selects_only or statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
