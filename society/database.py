"""Connection settings that make SQLite safe for a web application.

SQLite raises "database is locked" when a transaction that began as a reader
tries to write while another writer holds the lock, even with a busy timeout.
Transactions that will write therefore start with BEGIN IMMEDIATE; the request
method (or a job) declares the intent.
"""
import sqlite3
import time as clock
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timezone
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
BUSY_TIMEOUT_MS = 15000
# How often a writer asks again for the write lock while another writer holds it.
WRITE_LOCK_RETRY_SECONDS = 0.002


def _sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


# Values bound straight through the driver (bulk inserts) get the storage formats
# SQLAlchemy's own SQLite types write and read back.
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, _sqlite_datetime)
sqlite3.register_adapter(Decimal, float)
sqlite3.register_adapter(time, lambda moment: moment.strftime("%H:%M:%S.%f"))  # SQLAlchemy's Time on SQLite


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB of page cache per connection (the default is 2 MiB), filled only as pages are read: a
    # crawl of the public directory at 10,000 groups otherwise re-reads the file on every page.
    cursor.execute("PRAGMA cache_size=-32768")
    # Deleted and overwritten content is zeroed, so an erased person's data does not linger in
    # free pages of the file (services/privacy/erasure.py checkpoints the WAL after an erasure).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "connect")
def _configure_postgresql(dbapi_connection, _record):
    if type(dbapi_connection).__module__.split(".")[0] != "psycopg":
        return
    # No JIT compilation: the registry's queries are short, but a page query that stops early
    # (LIMIT over an index walk) carries a huge estimated cost, and PostgreSQL then spent 8 to 50 ms
    # compiling it, more than the query itself (the member list at 100,000 members).
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    if _write_intent.get():
        try:
            _begin_immediate(conn.connection.dbapi_connection)
        except sqlite3.OperationalError as error:
            # As SQLAlchemy raises a statement's error: the error pages answer it as the database being busy.
            raise OperationalError("BEGIN IMMEDIATE", None, error) from error
    else:
        conn.exec_driver_sql("BEGIN")


def _begin_immediate(dbapi_connection) -> None:
    """Take the write lock, asking again every few milliseconds while another writer holds it.

    SQLite's own busy handler sleeps longer and longer between tries, up to 100 ms. A job that
    writes in short steps with a short pause between them (a large import) leaves the lock free
    for less than that, so a waiting writer could miss every pause and fail after the busy
    timeout. Asking often, it takes the first pause.
    """
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = clock.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or clock.monotonic() >= deadline:
                    raise
            clock.sleep(WRITE_LOCK_RETRY_SECONDS)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def declare_write_intent(value: bool = True):
    """Mark the current context's transactions as writers; returns a reset token."""
    return _write_intent.set(value)


def reset_write_intent(token) -> None:
    _write_intent.reset(token)


@contextmanager
def writing():
    """Run a block whose transactions will write (jobs, CLI commands)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)
