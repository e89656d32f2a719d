"""A 100,000-row member import, previewed and committed as the scheduler's import job does it.

Builds a temporary SQLite database through the migrations (or uses ``--database-url``, an
empty PostgreSQL database), uploads a generated file through the service, then times:

- upload: reading the file once and staging its rows;
- preview: checking every row, chunk by chunk (each chunk its own short transaction);
- commit: checking every row again, then creating them all in one transaction;
- the longest single transaction of the commit (how long other writers may have to wait);
- the writes of a concurrent writer during the whole run, how many failed, and its longest write
  (mostly its wait for the write lock on SQLite).

    .venv/bin/python bench/imports.py [--rows 100000] [--database-url postgresql://...]
"""
import argparse
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, update  # noqa: E402

from society import create_app  # noqa: E402
from society.database import writing  # noqa: E402
from society.extensions import db  # noqa: E402
from society.models import ImportBatch, Person, Society  # noqa: E402
from society.services.membership import import_jobs, imports  # noqa: E402

HEADER = "given_name,family_name,email,phone,profession,category,joined_on\n"


def members_file(rows: int) -> bytes:
    return (HEADER + "".join(f"Given{n},Family{n},member{n}@example.se,,gp,full,2020-01-01\n"
                             for n in range(rows))).encode()


def longest_transaction(engine) -> dict:
    """Track the longest BEGIN..COMMIT of the engine's connections (seconds)."""
    state = {"longest": 0.0}

    @event.listens_for(engine, "begin")
    def began(conn):
        conn.info["began"] = time.perf_counter()

    @event.listens_for(engine, "commit")
    def committed(conn):
        began_at = conn.info.pop("began", None)
        if began_at is not None:
            state["longest"] = max(state["longest"], time.perf_counter() - began_at)

    return state


def keep_writing(app, stop, counts):
    with app.app_context():
        person = Person(given_name="Busy", family_name="Writer", email="busy@example.se", profession="gp")
        with writing():
            db.session.add(person)
            db.session.flush()
            person_id = person.id  # read before the commit: reading it after would begin a reader's transaction
            db.session.commit()
        while not stop.is_set():
            began = time.perf_counter()
            try:
                with writing():
                    db.session.execute(update(Person).where(Person.id == person_id).values(city=str(counts["ok"])))
                    db.session.commit()
                counts["ok"] += 1
                counts["longest"] = max(counts["longest"], time.perf_counter() - began)
            except Exception:  # noqa: BLE001 - counted
                db.session.rollback()
                counts["failed"] += 1
            time.sleep(0.05)
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-imports-")
    url = options.database_url or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8, "STORAGE_DIR": folder,
                      "SCHEDULER_IN_PROCESS": False, "IMPORT_CHUNK_ROWS": 500})
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        society = Society(code="SBS", name="Bench society", country="SE", default_language="sv")
        db.session.add(society)
        db.session.commit()
        raw = members_file(options.rows)
        stop, counts = threading.Event(), {"ok": 0, "failed": 0, "longest": 0.0}
        writer = threading.Thread(target=keep_writing, args=(app, stop, counts))
        writer.start()
        try:
            started = time.perf_counter()
            with writing():
                batch = imports.start(society.id, "members", "bench.csv", raw, None)
                db.session.commit()
            batch_id = batch.id
            uploaded = time.perf_counter() - started

            started = time.perf_counter()
            import_jobs.run_pending(seconds=3600)
            previewed = time.perf_counter() - started
            status = db.session.scalar(select(ImportBatch.status).where(ImportBatch.id == batch_id))
            assert status == "valid", status

            with writing():
                imports.begin_commit(db.session.get(ImportBatch, batch_id), None)
                db.session.commit()
            tracker = longest_transaction(db.engine)
            started = time.perf_counter()
            import_jobs.run_pending(seconds=3600)
            committed = time.perf_counter() - started
        finally:
            stop.set()
            writer.join(60)
        db.session.rollback()
        people = db.session.scalar(select(func.count(Person.id))) - 1
        status = db.session.scalar(select(ImportBatch.status).where(ImportBatch.id == batch_id))
    print(f"rows: {options.rows:,} on {url.split(':')[0]}; batch {status}, {people:,} people created")
    print(f"upload (read once, stage):   {uploaded:6.1f} s")
    print(f"preview (check every row):   {previewed:6.1f} s")
    print(f"commit (check again, create): {committed:5.1f} s; longest single transaction {tracker['longest']:.2f} s")
    print(f"a concurrent writer: {counts['ok']} writes, {counts['failed']} failed; "
          f"its longest write (with its wait) {counts['longest'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
