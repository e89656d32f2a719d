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
