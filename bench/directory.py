"""How fast the public directory serves a page of 50 groups out of 10,000.

Seeds 10,000 demo groups into a temporary SQLite file, starts gunicorn (2 workers, on
loopback) for the application and for ``bench/fixed_page.py`` (a bare WSGI app that
sends one fixed 50-item JSON page and touches no database), runs wrk against both in
alternating rounds and prints requests per second and three ratios to the fixed page,
counting only successful answers (2xx; 429 for the refusals):

- repeated: one page asked again and again (target: at least 70%);
- crawl: every request a different page (plain list pages deep and shallow, ``accredited``
  true and false, a city, a profession), on a server without the answer cache, so each page
  is built from the database (target: at least 30%);
- refused: a client over its rate limit (the limit set to 1 per hour), 429 answers per second,
  which should be more than the repeated page's (refusing costs less than serving).

Also prints the cost of one uncached page in-process, and its queries.

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
        # Every statement SQLite runs, those sent on a pooled connection taken straight from the engine
        # (the API front's read of a page) too, which SQLAlchemy's statement events do not see.
        event.listen(db.engine, "connect", lambda connection, _record: connection.set_trace_callback(statements.append))
        db.engine.dispose()
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


def crawl_paths(groups: int) -> list[str]:
    """Distinct pages a crawler asks, interleaved: the plain list, accredited and not, a city, a profession."""
    pages = max(1, groups // 50)
    lists = [[f"{PAGE}&page={n}" for n in range(1, pages + 1)],
             [f"{PAGE}&accredited=true&page={n}" for n in range(1, int(pages * 0.85) + 1)],
             [f"{PAGE}&accredited=false&page={n}" for n in range(1, max(2, pages // 7))],
             [f"{PAGE}&city=Uppsala&page={n}" for n in range(1, 10)],
             [f"{PAGE}&audience=psychologist&page={n}" for n in range(1, pages // 3)]]
    crawl = []
    while any(lists):
        for paths in lists:
            if paths:
                crawl.append(paths.pop(0))
    return crawl


def crawl_script(paths: list[str], workdir: Path) -> Path:
    """A wrk Lua script that asks each path in turn (each wrk thread from its own offset)."""
    script = workdir / "crawl.lua"
    quoted = ",".join(f'"{path}"' for path in paths)
    script.write_text(f"""
paths = {{{quoted}}}
counter = 0
function setup(thread) thread:set("counter", math.random(#paths)) end
request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
""")
    return script


def wrk(url: str, seconds: int, script: Path | None = None, expect: str = "2xx") -> tuple[float, int]:
    """Successful answers per second and answers counted: ``expect`` "2xx", or "429" (only
    refusals count, the first answers are the client's allowance)."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", *(["-s", str(script)] if script else []), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    duration = float(re.search(r"requests in ([\d.]+)(m?s)", out).group(1))
    unit = re.search(r"requests in [\d.]+(m?s)", out).group(1)
    duration = duration / 1000 if unit == "ms" else duration
    other = int(match.group(1)) if (match := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if "Socket errors" in out:
        raise RuntimeError(f"errors while benchmarking {url}:\n{out}")
    counted = total - other if expect == "2xx" else other
    if expect == "2xx" and other:
        raise RuntimeError(f"{other} answers were not 2xx while benchmarking {url}:\n{out}")
    return counted / duration, counted


def measure(server: Server, url: str, seconds: int, **options) -> tuple[float, float]:
    """Answers per second, and server CPU microseconds per answer (steadier on a busy machine)."""
    before = server.cpu_seconds()
    rate, served = wrk(url, seconds, **options)
    return rate, (server.cpu_seconds() - before) / max(served, 1) * 1e6


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
        # Without the answer cache (and so without the front): every page is built from the database.
        uncached = Server("wsgi:app", ROOT, {**env, "API_ANSWER_CACHE_SIZE": "0"})
        refusing = Server("wsgi:app", ROOT, {**env, "RATELIMIT_ENABLED": "1", "API_RATE_LIMIT": "1 per hour"})
        baseline = Server("fixed_page:app", ROOT / "bench", {})
        servers = [app, uncached, refusing, baseline]
        app.wait(PAGE)
        uncached.wait(PAGE)
        baseline.wait("/")
        try:
            refusing.wait(PAGE)  # its one allowed request
        except RuntimeError:
            pass
        script = crawl_script(crawl_paths(options.groups), workdir)
        wrk(app.url(PAGE), 2)  # warm up: every worker builds and caches the page
        wrk(baseline.url("/"), 2)
        wrk(uncached.url(PAGE), 2, script=script)
        wrk(refusing.url(PAGE), 2, expect="429")
        results = {"fixed": [], "repeated": [], "crawl": [], "refused": []}
        for round_ in range(options.rounds):
            results["fixed"].append(measure(baseline, baseline.url("/"), options.seconds))
            results["repeated"].append(measure(app, app.url(PAGE), options.seconds))
            results["crawl"].append(measure(uncached, uncached.url(PAGE), options.seconds, script=script))
            results["refused"].append(measure(refusing, refusing.url(PAGE), options.seconds, expect="429"))
            print(f"round {round_ + 1}: " + ", ".join(f"{name} {runs[-1][0]:.0f}/s ({runs[-1][1]:.0f} us CPU)"
                                                      for name, runs in results.items()))
        median = {name: (statistics.median(r for r, _ in runs), statistics.median(c for _, c in runs))
                  for name, runs in results.items()}
        base_rate, base_cpu = median["fixed"]
        print(f"fixed 50-item JSON page, no database: {base_rate:.0f} req/s, {base_cpu:.0f} us server CPU per request")
        for name, label, target in (("repeated", f"repeated page (GET {PAGE})", "at least 70%"),
                                    ("crawl", "uncached crawl, a different page each time", "at least 30%"),
                                    ("refused", "refused over the rate limit (429 answers)", "above the repeated page")):
            rate, cpu = median[name]
            print(f"{label}: {rate:.0f}/s, {cpu:.0f} us server CPU each; ratio {rate / base_rate:.1%} "
                  f"(target: {target}); by server CPU {base_cpu / cpu:.1%}")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
