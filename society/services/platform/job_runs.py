"""Job runs: each run is claimed, executed and recorded once, whichever process runs it.

A scheduled run carries a key (the job's date): the claim inserts its ``job_runs`` row
under a unique (job, run_key) index and commits it before any work, so a second process
that fires the same run finds the key taken and does nothing. Runs started by hand (the
dashboard's "run now", the CLI) carry no key and may repeat: the jobs are idempotent.

The runner owns its transactions, like a CLI command: the claim is committed, the work of
the lapse scan is one transaction that also marks the run succeeded (a run killed
half-way leaves no flag behind), reminders commit one by one (each is sent at most once),
and a failure is rolled back and recorded with its error.

A scheduled run records the scheduler that claimed it (its lease holder id, in ``host``).
When that scheduler dies half-way, its row stays "running"; the scheduler that takes the
lease over finds it (``due``), marks it failed as *interrupted* (its key moved aside, so the
jobs page keeps the attempt) and runs the job again under the key (``take_over``). The
interrupted process, if it was only slow, cannot finish after that: a run is marked finished
only while its row is still "running" (``_finish``), in the same transaction as the scan's
flags, so its work is rolled back. The run is done once either way.
"""
import json
import logging
import os
import socket
import traceback
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import String, cast, select, update
from sqlalchemy.exc import IntegrityError

from ...database import writing
from ...extensions import db
from ...models import JobRun
from ..flags import lapse, reminders
from ..membership import renewal_reminders
from . import webhook_delivery

log = logging.getLogger(__name__)


def _lapse_scan(day: date, *, run_id: int, society_id: int | None, progress=None) -> dict:
    return lapse.scan(day, society_id=society_id, job_run_id=run_id, progress=progress).as_dict()


def _reminders(day: date, *, run_id: int, society_id: int | None, progress=None) -> dict:
    """Accreditation expiry reminders, then members' dues renewal reminders (their counts under "dues")."""
    counts = reminders.send_due(day, society_id=society_id, job_run_id=run_id, progress=progress)
    dues = renewal_reminders.send_due(day, society_id=society_id, job_run_id=run_id, progress=progress)
    if dues.get("errors"):
        counts["errors"] = counts.get("errors", []) + dues.pop("errors")
    counts["dues"] = dues
    return counts


def _retention(day: date, *, run_id: int, society_id: int | None, progress=None) -> dict:
    from ..privacy import retention

    return retention.apply(day, society_id=society_id, progress=progress)


def _webhooks(_day: date, *, run_id: int, society_id: int | None, progress=None) -> dict:
    # Every society's due deliveries: each is claimed and recorded in its own short transactions.
    return webhook_delivery.deliver_due()


# name -> work(day, run_id=, society_id=, progress=) returning counts; counts["errors"] marks a failure.
JOBS: dict[str, Callable[..., dict]] = {"lapse-scan": _lapse_scan, "reminders": _reminders, "retention": _retention,
                                        "webhooks": _webhooks}


def host_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def mark_abandoned(job: str) -> int:
    """Runs of ``job`` still 'running' long after they started died with their process; say so."""
    cutoff = utcnow() - timedelta(minutes=current_app.config["JOB_STALE_MINUTES"])
    result = db.session.execute(
        update(JobRun).where(JobRun.job == job, JobRun.outcome == "running", JobRun.started_at < cutoff)
        .values(outcome="failed", finished_at=utcnow(),
                error="Abandoned: the process running it ended before it finished.")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def claim(job: str, *, run_key: str | None = None, trigger: str = "manual", society_id: int | None = None,
          holder: str | None = None) -> int | None:
    """Insert and commit the run's row; its id, or None when another process holds the key."""
    if job not in JOBS:
        raise KeyError(job)
    with writing():
        mark_abandoned(job)
        run = JobRun(job=job, run_key=run_key, trigger=trigger, society_id=society_id, host=holder or host_label(),
                     outcome="running", started_at=utcnow())
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
        return run.id


def _interrupted(job: str, run_key: str, holder: str):
    """The condition of a scheduled run left "running" by a scheduler other than ``holder``."""
    return (JobRun.job == job) & (JobRun.run_key == run_key) & (JobRun.outcome == "running") & (JobRun.host != holder)


def due(job: str, run_key: str, holder: str) -> bool:
    """Whether the active scheduler ``holder`` should run ``job`` under ``run_key``: nobody
    claimed it, or the scheduler that did lost the lease before finishing."""
    claimed = db.session.execute(select(JobRun.outcome, JobRun.host)
                                 .where(JobRun.job == job, JobRun.run_key == run_key)).first()
    return claimed is None or (claimed.outcome == "running" and claimed.host != holder)


def take_over(job: str, run_key: str, holder: str) -> int:
    """Mark ``job``'s run under ``run_key`` interrupted when another scheduler left it running,
    moving its key aside (``<key>~<id>``) so the key can be claimed again. Call it only while
    holding the scheduler lease: the run's own scheduler has then lost it. Commits; rows taken over."""
    with writing():
        result = db.session.execute(
            update(JobRun).where(_interrupted(job, run_key, holder))
            .values(outcome="failed", finished_at=utcnow(), run_key=JobRun.run_key + JobRun.INTERRUPTED_KEY_MARK + cast(JobRun.id, String),
                    error="Interrupted: the scheduler running it stopped before it finished (" + JobRun.host
                    + "); the scheduler that took over ran it again (" + holder + ").")
            .execution_options(synchronize_session=False))
        db.session.commit()
    if result.rowcount:
        log.warning("%s %s: took over a run interrupted with its scheduler.", job, run_key)
    return result.rowcount or 0


def run(job: str, day: date, *, trigger: str = "manual", run_key: str | None = None, society_id: int | None = None,
        progress=None, holder: str | None = None) -> JobRun | None:
    """Claim and execute one run of ``job`` for ``day``; the finished JobRun, or None if claimed elsewhere.
    ``holder``: the scheduler's lease holder id, for scheduled runs (it may take over an interrupted one)."""
    if holder is not None and run_key is not None:
        take_over(job, run_key, holder)
    run_id = claim(job, run_key=run_key, trigger=trigger, society_id=society_id, holder=holder)
    if run_id is None:
        log.info("%s %s: claimed by another process; skipped.", job, run_key)
        return None
    with writing():
        try:
            counts = JOBS[job](day, run_id=run_id, society_id=society_id, progress=progress)
        except Exception as error:  # noqa: BLE001 - any failure is recorded on the run
            db.session.rollback()
            log.exception("%s for %s failed", job, day)
            _finish(run_id, "failed", error=f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}")
        else:
            errors = counts.pop("errors", None)
            _finish(run_id, "failed" if errors else "succeeded", counts=counts,
                    error="\n".join(errors) if errors else None)
    if job == "retention":
        from ..privacy.erasure import wipe_free_pages

        wipe_free_pages()  # the erased members' old pages leave SQLite's WAL too
    return db.session.get(JobRun, run_id)


def _finish(run_id: int, outcome: str, *, counts: dict | None = None, error: str | None = None) -> None:
    """Record the outcome and commit, with the work, unless the run was taken over meanwhile:
    then the work is rolled back, since the scheduler that took over does it."""
    finished = db.session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.outcome == "running")
        .values(outcome=outcome, finished_at=utcnow(),
                counts=json.dumps(counts, sort_keys=True) if counts is not None else None,
                error=error[:20000] if error else None)
        .execution_options(synchronize_session=False))
    if finished.rowcount != 1:
        db.session.rollback()
        log.warning("Run %s was taken over by another scheduler; its work is discarded.", run_id)
        return
    db.session.commit()


def recent_runs(society_id: int, page: int = 1, per_page: int = 50):
    """Scheduled runs and this society's own manual runs, newest first (paginated)."""
    query = (select(JobRun).where((JobRun.society_id.is_(None)) | (JobRun.society_id == society_id))
             .order_by(JobRun.started_at.desc(), JobRun.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def counts_for(run: JobRun, society_id: int) -> dict:
    """What a run did for one society: runs over every society keep a breakdown by society."""
    if not run.counts:
        return {}
    counts = json.loads(run.counts)
    if "by_society" in counts:
        return counts["by_society"].get(str(society_id), {})
    return counts
