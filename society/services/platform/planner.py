"""What the databases' query planners need from us.

SQLite plans without statistics: some list queries keep a column off its indexes
(``column + 0``) so that it starts from the right one. PostgreSQL plans from statistics, and
the same hints would only keep it off good indexes; what it needs instead is statistics that
are current. Autovacuum refreshes them within a minute or so of a large change, but in that
minute a plan made for an empty table (nested loops over "one row") can take a member list page
from a tenth of a second to tens of seconds. So a bulk write analyses the tables it filled, in
its own transaction (statistics are transactional: a rolled-back write leaves them as they were).
"""
from sqlalchemy import any_, func, text

from ...extensions import db

BULK_ROWS = 1000  # a write of this many rows or more refreshes the statistics of its tables


def needs_planner_hints() -> bool:
    """Whether the session's database is SQLite, whose planner the list queries give hints."""
    return db.session.get_bind().dialect.name == "sqlite"


def off_index(column):
    """``column + 0`` on SQLite, which then never starts a query from that column's indexes;
    the plain column elsewhere."""
    return column + 0 if needs_planner_hints() else column


def drive_from(column, ids):
    """``column IN (ids)``, written so that the query starts from the (few) ``ids``.

    On PostgreSQL ``column = ANY(ARRAY(ids))``: the subquery runs once and each of its ids is
    looked up through ``column``'s index. An IN would be planned as a hash join that reads the
    whole table (at 100,000 members, 3,700 lapsed members counted in 15 ms of CPU instead of 8).
    SQLite starts from the IN's subquery itself when the column is on an index."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def estimated_rows(table: str) -> int | None:
    """PostgreSQL's estimate of the rows of ``table`` (from its last ANALYZE or VACUUM), read from the
    catalogue without touching the table; None on SQLite or before the table was ever analysed."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    rows = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                             {"name": db.metadata.tables[table].name})  # a known table name only
    return int(rows) if rows is not None and rows >= 0 else None


def after_bulk_write(rows: int, *tables: str) -> None:
    """Refresh PostgreSQL's statistics of ``tables`` after a write of ``rows`` rows, if that is a
    bulk write (``BULK_ROWS``). Nothing on SQLite, which keeps none."""
    if rows < BULK_ROWS or db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(f"ANALYZE {db.metadata.tables[table].name}"))  # a known table name only
