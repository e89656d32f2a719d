"""How fast the public directory serves a page of 50 groups out of 10,000.

Seeds 10,000 demo groups into a temporary SQLite file, starts gunicorn (2 workers, on
loopback) for the application and for ``bench/fixed_page.py`` (a bare WSGI app that
sends one fixed 50-item JSON page and touches no database), runs wrk against both in
alternating rounds and prints requests per second and the ratio (the target is at
least 70%). Also prints the cost of one uncached page in-process, and its queries.

    .venv/bin/python bench/directory.py [--groups 10000] [--seconds 10] [--rounds 3] [--database FILE] [--no-rate-limit]

``--database`` reuses (or creates and keeps) a seeded file, to skip seeding on a re-run.
The per-address rate limiter stays on, as in production, with a limit wrk cannot reach (every
request is counted, those the answer front repeats too); ``--no-rate-limit`` turns it off.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGE = "/api/v1/groups?per_page=50"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database: Path, groups: int) -> None:
    from flask_migrate import upgrade

    from society import create_app
    from society.extensions import db
    from society.services.platform import demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "b" * 40})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        demo.seed(groups)
        db.session.commit()
        print(f"seeded {groups} groups in {time.perf_counter() - started:.0f} s")
        db.engine.dispose()


def uncached_page(database: Path) -> None:
    """One page built from scratch, in-process: its time and its queries."""
    from sqlalchemy import event

    from society import create_app
    from society.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "b" * 40,
                      "RATELIMIT_ENABLED": False, "API_ANSWER_CACHE_SIZE": 0})
    client = app.test_client()
    with app.app_context():
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        client.get(PAGE)
        statements.clear()
        timings = []
        for page in range(2, 12):
            started = time.perf_counter()
            response = client.get(f"{PAGE}&page={page}")
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        selects = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT")) / 10
        print(f"uncached page of 50 (in-process): median {statistics.median(timings) * 1000:.1f} ms, "
              f"{selects:.0f} SELECT queries per page")
        db.engine.dispose()


class Server:
    def __init__(self, app: str, cwd: Path, env: dict):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}", app],
            cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, path: str) -> None:
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server on {self.port} did not come up: {self.process.stderr.read(2000)!r}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (Linux /proc)."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        total = 0
        for pid in [self.process.pid, *map(int, children.split())]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(url: str, seconds: int) -> tuple[float, int]:
    """Requests per second and requests served."""
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url], capture_output=True, text=True,
                         check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors while benchmarking {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), int(re.search(r"(\d+) requests in", out).group(1))


def measure(server: Server, url: str, seconds: int) -> tuple[float, float]:
    """Requests per second, and server CPU microseconds per request (steadier on a busy machine)."""
    before = server.cpu_seconds()
    rate, served = wrk(url, seconds)
    return rate, (server.cpu_seconds() - before) / served * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", type=Path, help="seeded SQLite file to reuse (created if missing)")
    parser.add_argument("--no-rate-limit", dest="rate_limit", action="store_false",
                        help="measure with the rate limiter off")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="directory-bench-"))
    database = options.database.resolve() if options.database else workdir / "directory.db"
    servers = []
    try:
        if not database.exists():
            seed(database, options.groups)
        uncached_page(database)
        env = {"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "b" * 40,
               # The limiter stays on (its cost is part of serving), with a limit one client cannot reach.
               "RATELIMIT_ENABLED": "1" if options.rate_limit else "0", "API_RATE_LIMIT": "1000000000 per minute"}
        app = Server("wsgi:app", ROOT, env)
        baseline = Server("fixed_page:app", ROOT / "bench", {})
        servers = [app, baseline]
        app.wait(PAGE)
        baseline.wait("/")
        wrk(app.url(PAGE), 2)  # warm up: every worker builds and caches the page
        wrk(baseline.url("/"), 2)
        ours, theirs = [], []
        for round_ in range(options.rounds):
            theirs.append(measure(baseline, baseline.url("/"), options.seconds))
            ours.append(measure(app, app.url(PAGE), options.seconds))
            print(f"round {round_ + 1}: directory {ours[-1][0]:.0f} req/s ({ours[-1][1]:.0f} us CPU/request), "
                  f"fixed page {theirs[-1][0]:.0f} req/s ({theirs[-1][1]:.0f} us CPU/request)")
        rate, cpu = (statistics.median(r for r, _ in ours), statistics.median(c for _, c in ours))
        base_rate, base_cpu = (statistics.median(r for r, _ in theirs), statistics.median(c for _, c in theirs))
        print(f"directory page of 50 (GET {PAGE}): {rate:.0f} req/s, {cpu:.0f} us server CPU per request")
        print(f"fixed 50-item JSON page, no database:           {base_rate:.0f} req/s, {base_cpu:.0f} us server CPU per request")
        print(f"ratio: {rate / base_rate:.0%} of the requests per second (target: at least 70%); "
              f"by server CPU per request: {base_cpu / cpu:.0%}")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
