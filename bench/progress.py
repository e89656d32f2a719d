"""How long one leader's progress takes with 5,000 approved records (target: under 20 ms).

Builds a temporary SQLite database through the migrations, loads the shipped rule sets,
gives one candidate per rule set 5,000 approved records spread over eight years, and
times ``progress_for`` (fresh session state each run, so the version, its requirements
and the person are loaded again every time). Prints the median and the 95th percentile
in milliseconds (wall clock, and the process's CPU time, which a busy machine
disturbs less) and the number of queries per run.

    .venv/bin/python bench/progress.py [--records 5000] [--runs 200]
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402

from society import create_app  # noqa: E402
from society.extensions import db  # noqa: E402
from society.models import Accreditation, Membership, Person, TrainingRecord  # noqa: E402
from society.models.training import RECORD_KINDS  # noqa: E402
from society.services.accreditation import rulesets  # noqa: E402
from society.services.training.progress import progress_for  # noqa: E402

ON = date(2026, 6, 1)
CASES = (("uk", "2023"), ("de", "current"), ("us", "current"), ("anz", "current"), ("se", "2020"))


def build(records: int) -> dict[str, int]:
    shipped = rulesets.load_shipped()
    rng = random.Random(1957)
    ids = {}
    for name, label in CASES:
        rule_set = shipped[name]
        version = next(v for v in rule_set.versions if v.label == label)
        person = Person(given_name="Bench", family_name=name.upper(), profession="gp", psychodynamically_trained=True)
        db.session.add(person)
        db.session.add(Membership(person=person, society=rule_set.society, category="full", joined_on=date(2015, 1, 1)))
        accreditation = Accreditation(person=person, rule_set_version=version, training_started_on=date(2022, 1, 1))
        db.session.add(accreditation)
        db.session.flush()
        rows = []
        for _ in range(records):
            kind = rng.choice(RECORD_KINDS)
            unit = {"intensive": "event", "supervision": "hour"}.get(kind, rng.choice(("session", "double_session",
                                                                                      "case_discussion")))
            rows.append(dict(
                person_id=person.id, kind=kind, occurred_on=ON - timedelta(days=rng.randint(0, 8 * 365)), unit=unit,
                units=Decimal(rng.choice((1, 1, 1, 2))), minutes=rng.choice((60, 90, 120)),
                in_person=rng.random() < 0.8, with_accredited_leader=rng.random() < 0.6, source="self",
                status="approved" if rng.random() < 0.9 else "pending"))
        db.session.execute(insert(TrainingRecord), rows)
        ids[f"{name} {label}"] = accreditation.id
    db.session.commit()
    return ids


def measure(accreditation_id: int, runs: int) -> tuple[float, float, float, int, bool]:
    statements = []

    def count(*_args):
        statements.append(1)

    timings, cpu = [], []
    for run in range(runs + 5):
        db.session.expire_all()
        accreditation = db.session.get(Accreditation, accreditation_id)
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        started, started_cpu = time.perf_counter(), time.process_time()
        report = progress_for(accreditation, ON)
        elapsed, elapsed_cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
        event.remove(db.engine, "before_cursor_execute", count)
        if run >= 5:  # the first runs warm SQLAlchemy's statement cache
            timings.append(elapsed)
            cpu.append(elapsed_cpu)
    timings.sort()
    return (statistics.median(timings), timings[int(len(timings) * 0.95) - 1], statistics.median(cpu),
            len(statements), report.met)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "b" * 40,
                          "TESTING": True, "SCHEDULER_IN_PROCESS": False})
        with app.app_context():
            upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
            ids = build(args.records)
            print(f"progress_for with {args.records} records per leader, {args.runs} runs each (SQLite)")
            for name, accreditation_id in ids.items():
                median, p95, cpu, queries, met = measure(accreditation_id, args.runs)
                print(f"  {name:<12} median {median:6.2f} ms   p95 {p95:6.2f} ms   CPU median {cpu:6.2f} ms   "
                      f"{queries} queries   met={met}")
            db.engine.dispose()


if __name__ == "__main__":
    main()
