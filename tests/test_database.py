"""The connection settings SQLite needs, the lost-update guard, and the migrations."""
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from society import database
from society.extensions import db
from society.models import Person, Society

from . import factories
from .conftest import ON_POSTGRESQL, empty_postgresql_database

sqlite_lock = pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's one write lock, which PostgreSQL does not have")

ROOT = Path(__file__).resolve().parent.parent


def on_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def test_sqlite_connections_have_foreign_keys_wal_and_a_busy_timeout():
    if not on_sqlite():
        pytest.skip("SQLite pragmas")
    connection = db.session.connection()
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_read_then_write_transactions_do_not_fail_with_database_locked(app):
    """4 threads x 50 read-modify-write increments: none lost, none refused."""
    society = factories.society()
    db.session.commit()
    society_id = society.id
    errors = []

    def work():
        from society.database import writing

        with app.app_context(), writing():
            for _ in range(50):
                try:
                    s = db.session.get(Society, society_id, with_for_update=True)
                    s.dues_grace_days = s.dues_grace_days + 1
                    db.session.commit()
                except Exception as error:  # noqa: BLE001 - the test counts every failure
                    errors.append(repr(error))
                    db.session.rollback()

    start = db.session.get(Society, society_id).dues_grace_days
    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()  # end this test's read snapshot
    assert errors == []
    assert db.session.get(Society, society_id).dues_grace_days == start + 200


def _held_write_lock(path: Path) -> sqlite3.Connection:
    """A connection holding ``path``'s write lock (another process's writer, as far as SQLite can tell)."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def _scratch_file(tmp_path) -> Path:
    path = tmp_path / "lock.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (n INTEGER)")
    return path


@sqlite_lock
def test_a_waiting_writer_takes_the_write_lock_in_a_short_pause_of_another_writer(tmp_path):
    # Another writer (a large import) holds the lock, pauses 60 ms, and wants it again. SQLite's own
    # busy handler would by then be asleep 100 ms at a time (it tries at 328 and 428 ms) and miss the pause.
    path = _scratch_file(tmp_path)
    holder = _held_write_lock(path)
    waiter = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    waiter.execute(f"PRAGMA busy_timeout={database.BUSY_TIMEOUT_MS}")
    retaken = []

    def hold_pause_and_want_it_again():
        time.sleep(0.35)
        holder.execute("COMMIT")
        time.sleep(0.06)
        holder.execute("PRAGMA busy_timeout=0")
        try:
            holder.execute("BEGIN IMMEDIATE")
            retaken.append(True)
            holder.execute("COMMIT")
        except sqlite3.OperationalError:
            retaken.append(False)

    thread = threading.Thread(target=hold_pause_and_want_it_again)
    thread.start()
    database._begin_immediate(waiter)
    thread.join()
    assert retaken == [False]  # the waiter took it in the pause: the other found it taken when it came back
    waiter.execute("INSERT INTO t VALUES (1)")
    waiter.execute("COMMIT")
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == database.BUSY_TIMEOUT_MS
    holder.close()
    waiter.close()


@sqlite_lock
def test_a_writer_that_waits_past_the_busy_timeout_is_told_the_database_is_locked(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    path = _scratch_file(tmp_path)
    holder = _held_write_lock(path)
    waiter = sqlite3.connect(path, isolation_level=None)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        database._begin_immediate(waiter)
    assert 0.2 <= time.monotonic() - started < 2
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 200  # put back after the failure
    holder.close()
    waiter.close()


@sqlite_lock
def test_a_form_that_waits_past_the_busy_timeout_is_answered_busy_and_writes_nothing(app, admin_client, db_url,
                                                                                      monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    db.session.commit()  # the log-in's request shared this session: it ends its transaction
    holder = _held_write_lock(Path(make_url(db_url).database))
    try:
        page = admin_client.post("/admin/members/new", data=dict(
            given_name="Karin", family_name="Lund", email="karin.lund@example.se", profession="gp",
            category="full", joined_on="2024-02-01", language="sv"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "try again" in page.get_data(as_text=True)
    assert db.session.scalar(select(Person.id).where(Person.email == "karin.lund@example.se")) is None


def test_second_editor_of_a_person_loses_with_stale_data(app):
    person = factories.person(given_name="Astrid")
    db.session.commit()
    # Like two browsers: each loads the record, and saves later in a transaction of its own.
    with Session(db.engine, expire_on_commit=False) as first, Session(db.engine, expire_on_commit=False) as second:
        a = first.get(Person, person.id)
        first.commit()
        b = second.get(Person, person.id)
        second.commit()
        a.given_name = "Astrid A."
        first.commit()
        b.given_name = "Astrid B."
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.rollback()  # end this test's own read snapshot
    assert db.session.get(Person, person.id).given_name == "Astrid A."


def _scratch_database_url(tmp_path) -> str:
    """An empty database beside the test database, for the migration round trip."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return empty_postgresql_database(url, f"society_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")


def flask_db(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "society", "db", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# Several `flask db` steps in one process: each process start imports the whole application
# (WeasyPrint, pyHanko...), which made the stairway the slowest tests of the suite.
_STEPS = """
import sys
from flask_migrate import check, downgrade, upgrade
from society import create_app
with create_app().app_context():
    for step in sys.argv[1:]:
        command, _, revision = step.partition(" ")
        print("flask db", step, flush=True)
        if command == "check":
            check()  # exits non-zero when the models and the migrations differ
        else:
            {"upgrade": upgrade, "downgrade": downgrade}[command](revision=revision)
"""


def flask_db_steps(url: str, *steps: str) -> subprocess.CompletedProcess:
    """``flask db`` upgrade, downgrade and check steps ("upgrade 0002", "downgrade -1", "check"), in order."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 40}
    return subprocess.run([sys.executable, "-c", _STEPS, *steps],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_migrations_have_one_head_and_round_trip_with_no_drift(tmp_path):
    url = _scratch_database_url(tmp_path)
    heads = flask_db(url, "heads")
    assert heads.returncode == 0, heads.stderr
    assert len([line for line in heads.stdout.splitlines() if "(head)" in line]) == 1
    result = flask_db_steps(url, "upgrade head", "downgrade base", "upgrade head", "check")
    assert result.returncode == 0, f"failed after:\n{result.stdout}\n{result.stderr}"
    assert "flask db check" in result.stdout
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_each_revision_steps_up_and_down(tmp_path):
    """The stairway: every revision upgrades, downgrades one step and upgrades again."""
    url = _scratch_database_url(tmp_path)
    history = flask_db(url, "history")
    revisions = [line.split(" -> ")[1].split(" ")[0].rstrip(",") for line in history.stdout.splitlines() if " -> " in line]
    assert revisions, history.stdout
    steps = [step for revision in reversed(revisions)
             for step in (f"upgrade {revision}", "downgrade -1", f"upgrade {revision}")]
    result = flask_db_steps(url, *steps)
    assert result.returncode == 0, f"failed after:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.count("flask db") == len(steps) == 3 * len(revisions)


def test_the_openness_history_is_backfilled_from_each_groups_creation_day(tmp_path):
    """0020: every existing group gets one row, its current setting from the day it was created."""
    url = _scratch_database_url(tmp_path)
    result = flask_db_steps(url, "upgrade 0019_member_list")
    assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO societies (id, code, name, country, languages, default_language, group_min_size, group_max_size,"
            " group_min_leaders, group_max_leaders, dues_grace_days) VALUES (1, 'se', 'S', 'SE', 'sv', 'sv', 5, 10, 1, 2, 30)"))
        for group_id, name, accepting, created in ((1, "Open", True, "2023-04-05 10:00:00"),
                                                   (2, "Closed", False, "2025-11-30 09:00:00")):
            connection.execute(text(
                "INSERT INTO groups (id, society_id, name, country, format, language, rhythm, session_minutes,"
                " accepting_members, status, version_id, created_at, updated_at) VALUES (:id, 1, :name, 'SE',"
                " 'online', 'sv', 'monthly', 90, :accepting, 'active', 1, :created, :created)"),
                {"id": group_id, "name": name, "accepting": accepting, "created": created})
    result = flask_db_steps(url, "upgrade 0020_group_openness")
    assert result.returncode == 0, result.stderr
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT group_id, accepting_members, effective_from, set_by_id"
                                       " FROM group_openness ORDER BY group_id")).all()
    engine.dispose()
    assert [(g, bool(a), str(d), s) for g, a, d, s in rows] == [
        (1, True, "2023-04-05", None), (2, False, "2025-11-30", None)]
