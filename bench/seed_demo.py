"""How long `seed-demo --scale N` takes on a fresh SQLite database.

    .venv/bin/python bench/seed_demo.py [N ...]      (default: 20000)

Prints one line per N: groups, people, training records, seconds. The issue asks for
20,000 groups in under a minute.
"""
import os
import sys
import tempfile
import time


def run(groups: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        from flask_migrate import upgrade

        from society import create_app
        from society.database import writing
        from society.extensions import db
        from society.services.platform import demo

        app = create_app({"SECRET_KEY": "bench" * 10, "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]})
        with app.app_context():
            upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
            with writing():
                started = time.perf_counter()
                summary = demo.seed(groups)
                db.session.commit()
                elapsed = time.perf_counter() - started
            db.engine.dispose()
        print(f"seed-demo --scale {groups}: {summary.groups} groups, {summary.people} people, "
              f"{summary.training_records} training records, {summary.sessions} sessions in {elapsed:.1f} s")


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    for n in [int(a) for a in sys.argv[1:]] or [20000]:
        run(n)
