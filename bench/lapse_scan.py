"""Lapse scan benchmark: demo data for N groups on a temporary SQLite file, then the scan timed.

    .venv/bin/python bench/lapse_scan.py [N ...]        (default: 5000 10000 20000)

For each N it prints the rows scanned, the first scan (raises every flag), a repeat scan
on the same date (changes nothing) and a scan five years ahead (raises and resolves
many), and the time per 1,000 groups, which stays flat when the cost grows linearly.
"""
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from society import create_app  # noqa: E402
from society.database import writing  # noqa: E402
from society.extensions import db  # noqa: E402
from society.models import Flag, GroupLeader, TrainingRecord  # noqa: E402

TODAY = date(2026, 11, 23)


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def measure(groups: int) -> dict:
    from society.services.platform import demo
    from society.services.flags import lapse

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "b" * 40,
                          "SCHEDULER_IN_PROCESS": False})
        with app.app_context(), writing():
            upgrade(directory=str(ROOT / "migrations"))
            _, seconds_seed = timed(demo.seed, groups, today=TODAY)
            db.session.commit()
            leaders = db.session.scalar(select(func.count(GroupLeader.id)))
            records = db.session.scalar(select(func.count(TrainingRecord.id)))
            figures = {"groups": groups, "leaders": leaders, "records": records, "seed_s": seconds_seed}
            for label, day in (("first", TODAY), ("repeat", TODAY), ("ahead", TODAY + timedelta(days=5 * 365))):
                summary, seconds = timed(lapse.scan, day)
                db.session.commit()
                figures[f"{label}_s"] = seconds
                figures[f"{label}_raised"], figures[f"{label}_resolved"] = summary.raised, summary.resolved
            figures["flags"] = db.session.scalar(select(func.count(Flag.id)))
            db.engine.dispose()
    return figures


def main(sizes: list[int]) -> None:
    print(f"{'groups':>7} {'leaders':>8} {'records':>8} | {'first scan':>17} | {'repeat':>14} | "
          f"{'5 years ahead':>24} | {'ms per 1,000 groups (first)':>27}")
    for groups in sizes:
        f = measure(groups)
        print(f"{f['groups']:>7} {f['leaders']:>8} {f['records']:>8} | "
              f"{f['first_s']:6.2f} s +{f['first_raised']:<7} | "
              f"{f['repeat_s']:6.2f} s +{f['repeat_raised']:<3} | "
              f"{f['ahead_s']:6.2f} s +{f['ahead_raised']:<6} -{f['ahead_resolved']:<6} | "
              f"(seed {f['seed_s']:.0f} s) "
              f"{1000 * f['first_s'] / f['groups'] * 1000:>24.1f}", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [5000, 10000, 20000])
