"""Counting the SQL statements a piece of code sends: how tests prove there is no query per row."""
import sys
from contextlib import contextmanager

from sqlalchemy import event

from society.extensions import db


@contextmanager
def counting_queries(selects_only: bool = False):
    """Yields the list of statements sent to the database inside the block: those SQLAlchemy sends (its
    ``before_cursor_execute`` event) and those sent on a pooled connection taken straight from the engine
    (``engine.raw_connection()``, as the directory's API front reads a page), which no event sees."""
    statements = []

    def note(statement: str) -> None:
        if not selects_only or statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    def count(_conn, _cursor, statement, *_args):
        note(statement)

    engine = db.engine
    check_out = engine.raw_connection

    def raw_connection():
        connection = check_out()
        if sys._getframe(1).f_globals.get("__name__", "").startswith("sqlalchemy."):
            return connection  # a Connection of SQLAlchemy's own: its event counts what it sends
        return _Counted(connection, note)

    event.listen(engine, "before_cursor_execute", count)
    engine.raw_connection = raw_connection
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        del engine.raw_connection


class _Counted:
    """A driver connection (or cursor) that notes each statement executed on it."""

    def __init__(self, wrapped, note):
        self._wrapped, self._note = wrapped, note

    def cursor(self, *args, **kwargs):
        return _Counted(self._wrapped.cursor(*args, **kwargs), self._note)

    def execute(self, statement, *args, **kwargs):
        self._note(statement)
        return self._wrapped.execute(statement, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


def progress_statements(accreditation_id: int, on, selects_only: bool = False) -> list[str]:
    """The statements a progress page's evaluation sends for this accreditation on ``on``, from a
    cold session (nothing already loaded)."""
    from society.models import Accreditation
    from society.services.training.progress import progress_for

    db.session.expire_all()
    loaded = db.session.get(Accreditation, accreditation_id)
    with counting_queries(selects_only=selects_only) as statements:
        progress_for(loaded, on)
    return statements


def what_if_selects(draft, on) -> tuple:
    """The what-if report of ``draft`` on ``on`` and the SELECTs it sent, from a cold session."""
    from society.services.accreditation.what_if import what_if

    db.session.expire_all()
    with counting_queries(selects_only=True) as statements:
        report = what_if(draft, on)
    return report, statements
