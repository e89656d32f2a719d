"""How fast is the member list at about 100,000 members on SQLite (or PostgreSQL)?

Seeds ``demo.seed(GROUPS)`` (10,500 groups give about 98,000 people) into a temporary
SQLite file built by the migrations, varies the seeded members a little (categories,
ended memberships) so every filter has something to find, then asks the list page for
several filter and sort combinations through the Flask test client, as an administrator.
Prints the median wall time of repeated requests (the target: under 50 ms), and the
median CPU time of this process, which stays meaningful on a busy machine; on a PostgreSQL
server of this machine also the CPU time its backends spent on each request ("db cpu ms",
read from /proc), so the two CPU columns add up to what a request costs on an idle machine.

    .venv/bin/python bench/members_list.py [--groups 10500] [--repeat 9] [--keep PATH]
    scripts/with-postgres sh -c '.venv/bin/python bench/members_list.py --database-url "$TEST_DATABASE_URL"'

``--database-url`` measures on that database instead, seeding it first if it holds no people.
``--sqlite-hints`` applies SQLite's planner hints on any database (how PostgreSQL ran the list
before it had its own plans), to compare the two in one run.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from society import create_app  # noqa: E402
from society.database import writing  # noqa: E402
from society.extensions import db  # noqa: E402
from society.models import Society  # noqa: E402
from society.services.platform import accounts, demo  # noqa: E402

COMBINATIONS = [
    ("all, by name", ""),
    ("all, by name, page 100", "?page=100"),
    ("all, newest joined first", "?sort=-joined"),
    ("all, by category", "?sort=category"),
    ("category trainee", "?category=trainee"),
    ("status active", "?status=active"),
    ("status dues overdue", "?status=dues_overdue"),
    ("status lapsed", "?status=lapsed"),
    ("status resigned", "?status=resigned"),
    ("dues unpaid (any period)", "?unpaid=any"),
    ("search 'andersson'", "?q=andersson"),
    ("search 'anna berg'", "?q=anna+berg"),
    ("search 'physio' (a profession)", "?q=physio"),
    ("search with no match", "?q=zzzz"),
    ("lapsed + search + newest first", "?status=lapsed&q=anna&sort=-joined"),
    ("overdue + full + unpaid this year, by category", "?status=dues_overdue&category=full&unpaid={year}&sort=-category"),
]
ADMIN = ("bench-admin@example.org", "bench admin password 1")


def build(url: str, groups: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40})
    with app.app_context(), writing():
        upgrade(directory=str(ROOT / "migrations"))
        if db.session.scalar(text("SELECT count(*) FROM people")):
            return
        started = time.perf_counter()
        summary = demo.seed(groups)
        # Vary the demo's members a little: a tenth are trainees, one in 40 resigned last year.
        db.session.execute(text("UPDATE memberships SET category = 'trainee' WHERE id % 10 = 3"))
        db.session.execute(text("UPDATE memberships SET category = 'retired' WHERE id % 25 = 7"))
        db.session.execute(text(
            "UPDATE memberships SET ended_on = :ended, end_reason = 'resigned' "
            "WHERE id % 40 = 11 AND joined_on < :ended"), {"ended": date.today() - timedelta(days=200)})
        society = db.session.scalar(db.select(Society).where(Society.code == "SBS"))
        accounts.create_user(ADMIN[0], ADMIN[1], "admin", society_id=society.id)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))  # what autovacuum would have done by the time anyone searches
            db.session.commit()
        print(f"Seeded {summary.people:,} people in {summary.groups:,} groups in {time.perf_counter() - started:.0f} s.")


def _backend_pids() -> list[int]:
    """The ids of this database's server processes, when the server runs on this machine
    (their CPU time is readable in /proc); else none."""
    if db.engine.dialect.name != "postgresql":
        return []
    pids = db.session.scalars(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
    db.session.rollback()
    return [pid for pid in pids if os.access(f"/proc/{pid}/stat", os.R_OK)]


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds these processes have used (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a backend that has since exited
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(url: str, repeat: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = client.post("/auth/login", data={"email": ADMIN[0], "password": ADMIN[1]})
    assert response.status_code == 302, "bench log-in failed"
    year = time.gmtime().tm_year
    with app.app_context():
        client.get("/admin/members/")  # the pool's connection opened
        pids = _backend_pids()
    db_column = f" {'db cpu ms':>10}" if pids else ""
    print(f"\n{'list page':<50} {'median ms':>10} {'cpu ms':>8}{db_column} {'found':>8}")
    worst = 0.0
    for label, query in COMBINATIONS:
        url = "/admin/members/" + query.format(year=year)
        client.get(url)  # warm the page cache once
        walls, cpus, db_cpus = [], [], []
        for _ in range(repeat):
            wall, cpu, db_cpu = time.perf_counter(), time.process_time(), _cpu_seconds(pids)
            response = client.get(url)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            db_cpus.append((_cpu_seconds(pids) - db_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        found = response.get_data(as_text=True).split(" found</small>", 1)[0].rsplit(">", 1)[-1]
        median = statistics.median(walls)
        worst = max(worst, median)
        db_figure = f" {statistics.mean(db_cpus):>10.1f}" if pids else ""
        print(f"{label:<50} {median:>10.1f} {statistics.median(cpus):>8.1f}{db_figure} {found:>8}")
    print(f"\nSlowest median: {worst:.1f} ms (target: under 50 ms).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=10_500)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="keep (or reuse, if it exists) the seeded database at this path")
    parser.add_argument("--database-url", help="measure on this database (seeded first if it holds no people)")
    parser.add_argument("--sqlite-hints", action="store_true", help="SQLite's planner hints on any database")
    args = parser.parse_args()
    if args.sqlite_hints:
        from society.services.membership import member_list
        from society.services.platform import planner

        member_list.needs_planner_hints = planner.needs_planner_hints = lambda: True
    if args.database_url or args.keep:
        url = args.database_url or f"sqlite:///{args.keep}"
        build(url, args.groups)
        measure(url, args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        build(url, args.groups)
        measure(url, args.repeat)


if __name__ == "__main__":
    main()
