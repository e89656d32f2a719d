"""How long the what-if preview takes over 1,000 candidates (target: under 5 s on SQLite).

Builds a temporary SQLite database through the migrations, loads the shipped UK rule set, adds a
draft version (a copy of 2023 asking for 25 sessions, starting next year), and gives 1,000 candidates
on the 2016 and 2023 versions 40 to 160 approved records each (some pending), then times ``what_if``.

    .venv/bin/python bench/what_if.py [--candidates 1000] [--runs 5]
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
from sqlalchemy import insert  # noqa: E402

from society import create_app  # noqa: E402
from society.extensions import db  # noqa: E402
from society.models import Accreditation, Membership, Person, TrainingRecord  # noqa: E402
from society.services.accreditation import rulesets  # noqa: E402
from society.services.accreditation.what_if import what_if  # noqa: E402

ON = date(2026, 6, 1)
KINDS = (("participation", "session"), ("co_leading", "session"), ("leading", "session"),
         ("intensive", "event"), ("supervision", "session"), ("supervisor_report", "event"), ("portfolio", "event"))


def build(candidates: int):
    rule_set = rulesets.load_shipped()["uk"]
    versions = list(rule_set.versions)
    draft = rulesets.copy_version(next(v for v in versions if v.label == "2023"), "2027", date(2027, 1, 1), False)
    for requirement in draft.requirements:
        if requirement.kind == "participation" and requirement.minimum == 20:
            requirement.minimum = Decimal(25)
    db.session.flush()
    rng = random.Random(1957)
    rows = []
    for index in range(candidates):
        person = Person(given_name=f"Candidate{index}", family_name="Bench", profession="gp",
                        psychodynamically_trained=rng.random() < 0.2)
        db.session.add(person)
        db.session.add(Membership(person=person, society=rule_set.society, category="full", joined_on=date(2015, 1, 1)))
        db.session.add(Accreditation(person=person, rule_set_version=rng.choice(versions), training_started_on=date(2021, 1, 1),
                                     status=rng.choice(("in_training", "applied"))))
        db.session.flush()
        for _ in range(rng.randint(40, 160)):
            kind, unit = rng.choice(KINDS)
            rows.append(dict(person_id=person.id, kind=kind, unit=unit, units=Decimal(1), minutes=90,
                             occurred_on=ON - timedelta(days=rng.randint(0, 6 * 365)), in_person=rng.random() < 0.8,
                             with_accredited_leader=rng.random() < 0.7, source="self",
                             status="approved" if rng.random() < 0.9 else "pending"))
    db.session.execute(insert(TrainingRecord), rows)
    db.session.commit()
    return draft.id, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "b" * 40,
                          "TESTING": True, "SCHEDULER_IN_PROCESS": False})
        with app.app_context():
            upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
            draft_id, records = build(args.candidates)
            from society.models import RuleSetVersion
            timings = []
            for _ in range(args.runs):
                db.session.expire_all()
                draft = db.session.get(RuleSetVersion, draft_id)
                started = time.perf_counter()
                report = what_if(draft, ON)
                timings.append(time.perf_counter() - started)
            print(f"what-if over {len(report.candidates)} candidates ({records} records, SQLite): median "
                  f"{statistics.median(timings):.2f} s, max {max(timings):.2f} s; gains {len(report.gains)}, "
                  f"loses {len(report.loses)}, stays {len(report.stays)}")
            db.engine.dispose()


if __name__ == "__main__":
    main()
