"""The scheduler's wiring (APScheduler 3): which job runs when, and in which process.
The work itself lives in services (``services/platform/job_runs.py`` runs a job once).

Run it as its own process, ``flask --app society scheduler``, beside gunicorn. Any
number of scheduler processes on any hosts may share the database: they compete for
one lease row (``services/platform/scheduler_lease.py``); the holder runs the jobs, the others
stand by and take over when its lease runs out. Each daily run is also claimed by its
key (job + date) before any work, so even two holders could not run it twice.
``make run`` starts the same scheduler inside the development server instead
(SCHEDULER_IN_PROCESS=1); never inside gunicorn workers.
"""
import atexit
import logging
import os
import signal
import socket
import threading
import uuid
from datetime import date, datetime, time, timedelta

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from werkzeug.serving import is_running_from_reloader

from .database import writing

log = logging.getLogger("society.scheduler")

LEASE = "scheduler"
# Daily jobs and the setting that says when they run ("HH:MM", the server's local time).
DAILY = {"lapse-scan": "SCAN_TIME", "reminders": "REMINDER_TIME", "retention": "RETENTION_TIME"}
FIRE_NOW_DELAY = timedelta(seconds=2)


def parse_time(value: str) -> time:
    try:
        hour, minute = (int(part) for part in value.split(":"))
        return time(hour, minute)
    except ValueError as error:
        raise ValueError(f"Expected a time as HH:MM, got {value!r}.") from error


class SchedulerProcess:
    """One scheduler: the daily jobs, the lease that decides whether this process runs them."""

    def __init__(self, app: Flask, *, fire_now: bool = False):
        self.app = app
        self.fire_now = fire_now
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.active = False
        # The daily jobs run one after another, never side by side: a process that dies in one
        # job then leaves no other job half-done (an e-mail sent whose record was not yet
        # committed would be sent again by the process that takes over), and they do not
        # compete for SQLite's single writer.
        self.daily_lock = threading.Lock()
        grace = app.config["JOB_MISFIRE_GRACE_SECONDS"]
        self.scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace})

    # -- wiring ---------------------------------------------------------------------------
    def add_jobs(self) -> None:
        config = self.app.config
        for job, setting in DAILY.items():
            at = parse_time(config[setting])
            self.scheduler.add_job(
                self.run_daily, CronTrigger(hour=at.hour, minute=at.minute), args=[job], id=job, name=job,
                replace_existing=True, coalesce=True, max_instances=1,
                misfire_grace_time=config["JOB_MISFIRE_GRACE_SECONDS"])
            if self.fire_now:
                self.scheduler.add_job(
                    self.run_daily, DateTrigger(run_date=datetime.now() + FIRE_NOW_DELAY), args=[job],
                    id=f"{job}-now", name=f"{job} (now)", replace_existing=True, misfire_grace_time=None)
        self.scheduler.add_job(self.run_imports, IntervalTrigger(seconds=config["IMPORT_POLL_SECONDS"]),
                               id="imports", name="imports", replace_existing=True, coalesce=True, max_instances=1)
        self.scheduler.add_job(self.run_webhooks, IntervalTrigger(seconds=config["WEBHOOK_POLL_SECONDS"]),
                               id="webhooks", name="webhooks", replace_existing=True, coalesce=True, max_instances=1)
        renew = max(1, config["SCHEDULER_LEASE_SECONDS"] // 4)
        self.scheduler.add_job(self.keep_lease, IntervalTrigger(seconds=renew), id="scheduler-lease",
                               name="scheduler lease", replace_existing=True, coalesce=True, max_instances=1)

    def start(self) -> None:
        self.add_jobs()
        self.keep_lease()  # before the first job can fire, so it knows whether it is the active one
        self.scheduler.start()
        log.info("Scheduler %s started (%s).", self.holder, "active" if self.active else "standing by")

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        from .services.platform import scheduler_lease

        with self.app.app_context():
            scheduler_lease.release(LEASE, self.holder)
        log.info("Scheduler %s stopped.", self.holder)

    # -- jobs -----------------------------------------------------------------------------
    def holds_lease(self) -> bool:
        from .services.platform import scheduler_lease

        held = scheduler_lease.hold(LEASE, self.holder, self.app.config["SCHEDULER_LEASE_SECONDS"])
        if held != self.active:
            log.info("Scheduler %s is now %s.", self.holder, "active" if held else "standing by")
        self.active = held
        return held

    def keep_lease(self) -> None:
        from .extensions import db

        with self.app.app_context():
            try:
                if self.holds_lease():
                    self.catch_up()
            except Exception:  # noqa: BLE001 - the database may be away for a moment; try again next tick
                db.session.rollback()
                self.active = False
                log.exception("Scheduler %s could not renew its lease; standing by.", self.holder)

    def run_daily(self, job: str) -> None:
        from .services.platform import job_runs

        with self.daily_lock, self.app.app_context(), writing():
            if not self.holds_lease():
                log.info("%s: another scheduler is active; standing by.", job)
                return
            day = date.today()
            run = job_runs.run(job, day, trigger="schedule", run_key=day.isoformat(), holder=self.holder)
            if run is not None:
                log.info("%s for %s: %s %s", job, day, run.outcome, run.counts or run.error or "")

    def run_imports(self) -> None:
        """Advance the CSV imports waiting to be checked or created (the active scheduler only)."""
        from .extensions import db
        from .services.membership import import_jobs

        if not self.active:
            return
        with self.app.app_context():
            try:
                import_jobs.run_pending(seconds=self.app.config["IMPORT_JOB_SECONDS"])
            except Exception:  # noqa: BLE001 - the batch records its own failure; try the rest next tick
                db.session.rollback()
                log.exception("Scheduler %s: the import job failed.", self.holder)

    def run_webhooks(self) -> None:
        """Send the webhook deliveries due now (the active scheduler only; each is claimed once,
        so another process sending at the same time cannot send it again)."""
        from .extensions import db
        from .services.platform import webhook_delivery

        if not self.active:
            return
        with self.app.app_context():
            try:
                webhook_delivery.deliver_due()
            except Exception:  # noqa: BLE001 - a claimed delivery's lease runs out; it is retried then
                db.session.rollback()
                log.exception("Scheduler %s: webhook delivery failed.", self.holder)

    def catch_up(self) -> None:
        """Start today's run of a daily job now if its time passed (within the grace) while no
        scheduler was active (after a restart, or when this process took the lease over), or if
        the scheduler that started it lost the lease before finishing it."""
        from .services.platform import job_runs

        now, today = datetime.now(), date.today()
        grace = timedelta(seconds=self.app.config["JOB_MISFIRE_GRACE_SECONDS"])
        for job, setting in DAILY.items():
            due_at = datetime.combine(today, parse_time(self.app.config[setting]))
            if due_at <= now <= due_at + grace and job_runs.due(job, today.isoformat(), self.holder):
                self.scheduler.add_job(self.run_daily, args=[job], id=f"{job}-catch-up", name=f"{job} (catch-up)",
                                       replace_existing=True, misfire_grace_time=None)


def run_scheduler(app: Flask, *, fire_now: bool = False) -> None:
    """The scheduler process: runs until SIGTERM or Ctrl-C, then gives its lease up."""
    process = SchedulerProcess(app, fire_now=fire_now)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    process.start()
    try:
        while not stopping.wait(1):
            pass
    finally:
        process.stop()


def _serving_process(app: Flask) -> bool:
    if app.debug and not is_running_from_reloader():
        return False  # the reloader's watcher process: its child serves, and schedules
    context = click.get_current_context(silent=True)
    if context is not None and context.command.name != "run":
        return False  # a CLI command (db upgrade, scheduler, jobs...) is not the web server
    return True


def start_in_process_scheduler(app: Flask) -> SchedulerProcess | None:
    """For the single-process development server (``make run``): the same scheduler, in a thread."""
    if not _serving_process(app):
        return None
    process = SchedulerProcess(app)
    process.start()
    atexit.register(process.stop)
    app.extensions["society.scheduler"] = process
    return process
