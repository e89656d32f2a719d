"""Issuing and rendering a year's attendance certificates in bulk, on every core, beside one at a time.

    .venv/bin/python bench/attendance_certificates.py [COUNT [PROCESSES]]    (defaults: 1000, one per core)

Builds demo data (enough groups for COUNT participants with sessions this year) on a temporary
SQLite database, then measures:
  - one at a time: the renderer process the downloads use (``pdf.render_missing``), on a sample
    of 100 certificates, and that pace for COUNT;
  - in bulk, end to end: ``attendance.issue_year_end`` (every participant's certificate, one
    transaction), then ``bulk.render_many`` on PROCESSES spawned renderer processes (worker
    start-up included), storing every PDF and recording them (``pdf.remember_all``).
The issue asks for 1,000 certificates in under 30 s on a 2-core machine. The machine is shared:
note the time of day and run it twice.
"""
import os
import sys
import tempfile
import time
from datetime import date

SAMPLE = 100


def main(count: int, processes: int | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        from flask_migrate import upgrade

        from society import create_app
        from society.database import writing
        from society.extensions import db
        from society.models import Society
        from society.services.certificates import attendance, bulk, pdf as certificate_pdf
        from society.services.platform import demo

        app = create_app({
            "SECRET_KEY": "bench" * 10, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "STORAGE_DIR": f"{folder}/storage",
        })
        today = date.today()
        with app.app_context():
            upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
            with writing():
                demo.seed(max(40, count // 6))
                db.session.commit()
            society_id = db.session.scalar(db.select(Society.id).where(Society.code == "SBS"))
            due = db.session.scalars(attendance.participants_due(society_id, today.year)).all()
            print(f"{len(due)} participants attended a session in {today.year}; certifying {min(count, len(due))}.")

            started = time.perf_counter()
            with writing():
                issued = attendance.issue_year_end(society_id, today.year, today)[:count]
                db.session.commit()
            issuing = time.perf_counter() - started

            sample = issued[:SAMPLE]
            started = time.perf_counter()
            certificate_pdf.render_missing(sample)
            one_at_a_time = (time.perf_counter() - started) / len(sample)

            workers = processes or bulk.worker_count()
            started = time.perf_counter()
            _every, new = bulk.render_many(issued, processes=workers)
            with writing():
                certificate_pdf.remember_all(new)
                db.session.commit()
            rendering = time.perf_counter() - started
        n = len(issued)
        print(f"cores: {os.cpu_count()}, renderer processes: {workers}, at {time.strftime('%H:%M UTC', time.gmtime())}")
        print(f"one at a time: {one_at_a_time * 1000:.0f} ms per certificate -> {one_at_a_time * n:.1f} s for {n}")
        print(f"bulk: issue {issuing:.1f} s + render and store {rendering:.1f} s = {issuing + rendering:.1f} s "
              f"for {n} ({(issuing + rendering) / n * 1000:.0f} ms each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else None)
