"""Time the group list, a group page, the CSV export and the admin dashboard on demo data.

    .venv/bin/python bench/groups_pages.py [GROUPS]     (default 2000 groups, a temporary SQLite file)
"""
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from society import create_app
from society.extensions import db
from society.services.platform import demo

GROUPS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}", "SECRET_KEY": "b" * 40,
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "STORAGE_DIR": folder,
                          "SCHEDULER_IN_PROCESS": False})
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            summary = demo.seed(GROUPS)
            db.session.commit()
            print(f"seeded {summary.groups} groups, {summary.people} people, {summary.training_records} records "
                  f"in {time.perf_counter() - started:.1f} s")
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        client = app.test_client()
        email, password = demo.DEMO_LOGINS["admin"]
        client.post("/auth/login", data={"email": email, "password": password})
        for label, method, url in (("dashboard", "get", "/admin/"), ("group list", "get", "/admin/groups/"),
                                   ("filtered list", "get", "/admin/groups/?status=active&audience=gp&page=3"),
                                   ("group page", "get", "/admin/groups/1"),
                                   ("CSV export, all groups", "post", "/admin/groups/export.csv")):
            getattr(client, method)(url)  # warm up
            statements.clear()
            started = time.perf_counter()
            response = getattr(client, method)(url)
            size = len(response.data)
            elapsed = (time.perf_counter() - started) * 1000
            print(f"{label:24} {response.status_code}  {elapsed:7.0f} ms  {len(statements):3d} queries  {size / 1024:7.0f} KiB")


if __name__ == "__main__":
    main()
