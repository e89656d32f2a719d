"""Writing many rows at once: one executemany straight through the database driver.

SQLAlchemy's type processing per value costs more than the insert itself at tens of thousands
of rows, and these values are already typed: dates and decimals reach SQLite through the
adapters registered in ``society/database.py``, PostgreSQL through psycopg. The rows bypass the
ORM and so its flush hook: a caller that creates domain rows writes their audit events itself
(``audit.record_created``)."""
from datetime import datetime, timezone

from ...extensions import db

STAMPED = ("created_at", "updated_at")


def insert_rows(table, rows: list[dict], now: datetime | None = None) -> None:
    """INSERT ``rows`` (dicts naming the same columns) into ``table``; timestamps and the version
    counter are filled in where the table has them and the rows do not."""
    if not rows:
        return
    now = now or datetime.now(timezone.utc)
    columns = list(rows[0])
    extra = {name: value for name, value in ((*STAMPED[:1], now), (STAMPED[1], now), ("version_id", 1))
             if name in table.c and name not in rows[0]}
    connection = db.session.connection()
    placeholder = "?" if connection.dialect.name == "sqlite" else "%s"
    names = columns + list(extra)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([placeholder] * len(names))})"
    tail = tuple(extra.values())
    connection.exec_driver_sql(sql, [tuple(row[name] for name in columns) + tail for row in rows])
