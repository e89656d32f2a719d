"""How long one leader's progress takes with 5,000 approved records (target: under 20 ms).

Builds a temporary SQLite database through the migrations, loads the shipped rule sets,
gives one candidate per rule set (its latest version) 5,000 records spread over eight years (supervisors
holding credentials, groups with co-leaders and an openness history changing every year: every fact a
rule may look at is read), and times ``progress_for`` (fresh session state each run, so the version, its requirements
and the person are loaded again every time). Prints the median and the 95th percentile
in milliseconds (wall clock, and the process's CPU time, which a busy machine
disturbs less) and the number of queries per run; last, the figure for the richest rule set
(most requirements and constraint keys), whose target is 20 ms.

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
from society.models import (  # noqa: E402
    Accreditation, Group, GroupLeader, GroupOpenness, Membership, Person, TrainingRecord,
)
from society.models.training import RECORD_KINDS  # noqa: E402
from society.services.accreditation import rulesets  # noqa: E402
from society.services.training.progress import progress_for  # noqa: E402

ON = date(2026, 6, 1)


def richness(version) -> int:
    """How much a version asks beyond minimums: its requirements plus every constraint key they use."""
    return sum(1 + len(r.constraints or {}) for r in version.requirements)


def build(records: int) -> dict[str, int]:
    """One candidate per shipped rule set (its latest version), each with ``records`` records; supervisors
    holding credentials and groups with co-leaders, so the record facts a rule looks at are all read."""
    shipped = rulesets.load_shipped()
    rule_sets = sorted({rule_set.id: rule_set for rule_set in shipped.values()}.values(), key=lambda r: r.code)
    rng = random.Random(1957)
    supervisors = _supervisors(rule_sets)
    groups = _groups(rule_sets[0].society, supervisors)
    ids = {}
    for rule_set in rule_sets:
        version = max(rule_set.versions, key=lambda v: v.effective_from)
        person = Person(given_name="Bench", family_name=rule_set.code, profession="gp", psychodynamically_trained=True,
                        psychotherapy_qualified_on=date(2016, 1, 1))
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
                supervisor_id=rng.choice(supervisors) if kind == "supervision" else None,
                group_id=rng.choice(groups) if kind in ("leading", "co_leading", "participation") else None,
                # intensives of 2 to 4 days (without drawing from rng, so the rest of the data stays as it was)
                days=2 + len(rows) % 3 if kind == "intensive" else None,
                status="approved" if rng.random() < 0.9 else "pending"))
        db.session.execute(insert(TrainingRecord), rows)
        ids[f"{rule_set.code} {version.label} ({richness(version)})"] = accreditation.id
    db.session.commit()
    return ids


def _supervisors(rule_sets) -> list[int]:
    """Ten supervisors, each holding some shipped credential since 2018."""
    ids = []
    for n in range(10):
        rule_set = rule_sets[n % len(rule_sets)]
        person = Person(given_name="Supervisor", family_name=str(n), profession="gp")
        db.session.add(person)
        db.session.add(Accreditation(person=person, rule_set_version=rule_set.versions[0], status="granted",
                                     training_started_on=date(2016, 1, 1), granted_on=date(2018, 1, 1)))
        db.session.flush()
        ids.append(person.id)
    return ids


def _groups(society, leaders: list[int]) -> list[int]:
    ids = []
    for n in range(5):
        group = Group(society=society, name=f"Bench group {n}", country="SE", format="in_person", language="sv",
                      rhythm="monthly", session_minutes=90, accepting_members=n % 2 == 0, status="active")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupLeader(group_id=group.id, person_id=leaders[n], starts_on=date(2015, 1, 1)))
        # Its openness changed every year (the rules read the state on each record's day).
        db.session.add_all(GroupOpenness(group_id=group.id, effective_from=date(2015 + year, 1, 1),
                                         accepting_members=(n + year) % 2 == 0) for year in range(12))
        ids.append(group.id)
    db.session.flush()
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
            print(f"progress_for with {args.records} records per leader, {args.runs} runs each (SQLite); "
                  "(n): requirements + constraint keys")
            richest = None
            for name, accreditation_id in ids.items():
                median, p95, cpu, queries, met = measure(accreditation_id, args.runs)
                print(f"  {name:<34} median {median:6.2f} ms   p95 {p95:6.2f} ms   CPU median {cpu:6.2f} ms   "
                      f"{queries} queries   met={met}")
                score = int(name.rsplit("(", 1)[1].rstrip(")"))
                if richest is None or score > richest[0]:
                    richest = (score, name, median)
            verdict = "within" if richest[2] < 20 else "OVER"
            print(f"richest rule set: {richest[1]}: median {richest[2]:.2f} ms ({verdict} the 20 ms target)")
            db.engine.dispose()


if __name__ == "__main__":
    main()
