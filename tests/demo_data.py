"""The demo data as a backdrop for tests: seeded for real once per worker, database and day, then
copied back row by row.

A seed costs about 0.8 s of Python (it builds 40 groups with their people, sessions, records and
decisions); inserting the 7,000 rows it wrote costs a fraction of that, and some sixty tests start
from it. Tests of the seed itself (tests/test_seed_demo.py) call ``demo.seed`` directly.
"""
import copy
from datetime import date

from sqlalchemy import func, select, text, union_all

from society.extensions import db
from society.services.platform import demo, planner

_copies: dict = {}  # (database, groups, day) -> (summary, [(table, rows)])


def seed(groups: int = 40, today: date | None = None) -> demo.Summary:
    """What ``demo.seed(groups, today)`` returns and writes, in the test's open transaction."""
    key = (db.engine.url.render_as_string(), groups, today or date.today())
    saved = _copies.get(key)
    if saved is not None and _is_empty():
        summary, tables = saved
        _copy_back(tables, summary)
        return copy.deepcopy(summary)
    empty = saved is None and _is_empty()
    summary = demo.seed(groups, today)
    if empty:  # only a seed into an empty database is the demo and nothing else
        db.session.flush()
        _copies[key] = (copy.deepcopy(summary), _rows_of_every_table())
    return summary


def _is_empty() -> bool:
    tables = db.metadata.sorted_tables
    holding = union_all(*(select(func.count()).select_from(select(1).select_from(table).limit(1).subquery())
                          for table in tables)).subquery()
    return not db.session.scalar(select(func.sum(holding.c[0])))


def _rows_of_every_table() -> list:
    saved = []
    for table in db.metadata.sorted_tables:  # parents before children
        keys = [column.key for column in table.columns]
        rows = [dict(zip(keys, row)) for row in db.session.execute(table.select().order_by(*table.primary_key))]
        if rows:
            saved.append((table, rows))
    return saved


def _copy_back(tables: list, summary) -> None:
    for table, rows in tables:
        db.session.execute(table.insert(), rows)
    if db.engine.dialect.name == "postgresql":  # the ids were given: the sequences go on after them
        for table, _rows in tables:
            if "id" in table.columns and table.columns["id"].autoincrement in (True, "auto"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"(SELECT MAX(id) FROM {table.name}))"))
    planner.after_bulk_write(summary.people, *(table.name for table, _rows in tables))
