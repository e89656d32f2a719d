"""Scheduling: one active scheduler among many (a lease in the database), each scheduled run
executed once (its key claimed first), and a run killed half-way leaves nothing behind."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from society import scheduler
from society.database import writing
from society.extensions import db
from society.models import DuesReminderSent, Flag, JobRun, ReminderSent, SchedulerLease
from society.services.platform import job_runs, scheduler_lease

from . import demo_data, factories
from .conftest import TEST_SECRET
from .mailbox import smtp_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


# -- the lease ----------------------------------------------------------------------------------

def test_one_holder_at_a_time_and_a_standby_takes_over_when_the_lease_runs_out():
    now = datetime.now(timezone.utc)
    assert scheduler_lease.hold("scheduler", "host-a", 60, now=now)
    assert not scheduler_lease.hold("scheduler", "host-b", 60, now=now + timedelta(seconds=10))
    assert scheduler_lease.hold("scheduler", "host-a", 60, now=now + timedelta(seconds=20))  # renewed
    assert not scheduler_lease.hold("scheduler", "host-b", 60, now=now + timedelta(seconds=70))
    assert scheduler_lease.hold("scheduler", "host-b", 60, now=now + timedelta(seconds=81))  # a's lease ran out
    assert not scheduler_lease.hold("scheduler", "host-a", 60, now=now + timedelta(seconds=82))


def test_a_released_lease_is_taken_at_once():
    assert scheduler_lease.hold("scheduler", "host-a", 60)
    scheduler_lease.release("scheduler", "host-a")
    assert scheduler_lease.hold("scheduler", "host-b", 60)
    db.session.expire_all()
    assert scheduler_lease.current("scheduler").holder == "host-b"


def test_schedulers_racing_for_the_lease_get_one_holder(app):
    winners, errors = [], []
    barrier = threading.Barrier(4)

    def compete(name):
        try:
            with app.app_context():
                barrier.wait()
                if scheduler_lease.hold("scheduler", name, 60):
                    winners.append(name)
        except Exception as error:  # noqa: BLE001 - the test reports every failure
            errors.append(repr(error))

    threads = [threading.Thread(target=compete, args=(f"host-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(winners) == 1
    db.session.rollback()
    assert db.session.scalar(select(SchedulerLease.holder)) == winners[0]


def test_runs_racing_for_one_key_execute_once(app):
    demo_data.seed(8, today=date(2026, 11, 23))
    db.session.commit()
    outcomes, errors = [], []
    barrier = threading.Barrier(4)

    def fire():
        try:
            with app.app_context():
                barrier.wait()
                outcomes.append(job_runs.run("lapse-scan", date(2026, 11, 23), trigger="schedule", run_key="2026-11-23"))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()
    assert errors == []
    assert sum(1 for outcome in outcomes if outcome is not None) == 1
    (run,) = db.session.scalars(select(JobRun)).all()
    assert run.outcome == "succeeded"
    assert json.loads(run.counts)["raised"] == db.session.scalar(select(func.count(Flag.id))) > 0


# -- the wiring -----------------------------------------------------------------------------------

def test_daily_jobs_have_explicit_ids_coalesce_and_a_generous_misfire_grace(app):
    process = scheduler.SchedulerProcess(app)
    process.add_jobs()
    process.scheduler.start(paused=True)
    daily = {job.id: job for job in process.scheduler.get_jobs()}
    assert {"lapse-scan", "reminders", "retention", "scheduler-lease"} <= set(daily)
    scan = daily["lapse-scan"]
    assert scan.coalesce is True and scan.max_instances == 1 and scan.misfire_grace_time >= 3600
    assert str(scan.trigger.fields[5]) == "2" and str(scan.trigger.fields[6]) == "0"  # hour, minute of SCAN_TIME
    process.add_jobs()  # replace_existing: adding again does not duplicate
    assert len(process.scheduler.get_jobs()) == len(daily)
    process.scheduler.shutdown(wait=False)


def test_a_bad_time_setting_is_refused():
    with pytest.raises(ValueError, match="HH:MM"):
        scheduler.parse_time("2 am")


@pytest.fixture
def at_exit(monkeypatch):
    """What the in-process scheduler asks to run at exit, kept here: run at the test run's exit, its
    stop would open a connection on a pool already closed and leave it open."""
    registered = []
    monkeypatch.setattr(scheduler.atexit, "register", registered.append)
    return registered


def test_the_reloader_watcher_does_not_start_a_second_scheduler(app, monkeypatch, at_exit):
    monkeypatch.setattr(app, "debug", True)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert scheduler.start_in_process_scheduler(app) is None  # the watcher process
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    monkeypatch.setattr(scheduler.SchedulerProcess, "start", lambda self: None)
    process = scheduler.start_in_process_scheduler(app)  # the child that serves
    assert process is not None and at_exit == [process.stop]  # it gives its lease back at exit


def test_a_cli_command_other_than_run_does_not_start_the_in_process_scheduler(app, monkeypatch, at_exit):
    import click

    monkeypatch.setattr(scheduler.SchedulerProcess, "start", lambda self: None)
    with click.Context(click.Command("upgrade")):
        assert scheduler.start_in_process_scheduler(app) is None
    with click.Context(click.Command("run")):
        assert scheduler.start_in_process_scheduler(app) is not None
    assert len(at_exit) == 1


def test_the_active_scheduler_catches_up_a_run_missed_today_but_not_one_already_claimed(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_TIME", "00:00")
    monkeypatch.setitem(app.config, "REMINDER_TIME", "00:00")
    monkeypatch.setitem(app.config, "JOB_MISFIRE_GRACE_SECONDS", 24 * 3600)
    factories.job_run(job="reminders", run_key=date.today().isoformat())
    factories.job_run(job="retention", run_key=date.today().isoformat())
    db.session.commit()
    process = scheduler.SchedulerProcess(app)
    process.keep_lease()
    catch_up = {job.id for job in process.scheduler.get_jobs()}
    assert process.active and catch_up == {"lapse-scan-catch-up"}


def test_a_run_left_running_by_a_scheduler_that_lost_the_lease_is_taken_over_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_TIME", "00:00")
    monkeypatch.setitem(app.config, "REMINDER_TIME", "00:00")
    monkeypatch.setitem(app.config, "JOB_MISFIRE_GRACE_SECONDS", 24 * 3600)
    today = date.today().isoformat()
    demo_data.seed(8)
    dead = factories.job_run(job="lapse-scan", run_key=today, outcome="running", host="gone:1:abc")
    factories.job_run(job="reminders", run_key=today)
    factories.job_run(job="retention", run_key=today)
    db.session.commit()
    process = scheduler.SchedulerProcess(app)
    process.keep_lease()
    assert process.active and {job.id for job in process.scheduler.get_jobs()} == {"lapse-scan-catch-up"}

    process.run_daily("lapse-scan")
    process.run_daily("lapse-scan")  # a second firing finds the day done
    db.session.rollback()
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "lapse-scan").order_by(JobRun.id)).all()
    assert [(r.run_key, r.outcome) for r in runs] == [(f"{today}~{dead.id}", "failed"), (today, "succeeded")]
    assert runs[0].error.startswith("Interrupted") and "gone:1:abc" in runs[0].error
    assert runs[1].host == process.holder
    assert db.session.scalar(select(func.count(Flag.id))) == json.loads(runs[1].counts)["raised"] > 0


def test_a_slow_scheduler_that_was_taken_over_cannot_finish_its_run(app):
    today = date.today().isoformat()
    society = factories.society()
    run_id = job_runs.claim("lapse-scan", run_key=today, trigger="schedule", holder="slow:1:aaa")
    assert job_runs.take_over("lapse-scan", today, "fast:2:bbb") == 1
    with writing():
        db.session.add(Flag(kind="group_norms", subject_type="group", subject_id=1, cause="x", severity="info",
                            message="work of the slow run", society_id=society.id, raised_on=date.today()))
        db.session.flush()
        job_runs._finish(run_id, "succeeded", counts={"raised": 1})
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 0
    assert db.session.get(JobRun, run_id).outcome == "failed"
    assert job_runs.due("lapse-scan", today, "fast:2:bbb")  # free for the scheduler that took over


def test_a_standing_by_scheduler_does_not_run_jobs(app):
    assert scheduler_lease.hold("scheduler", "someone-else", 600)
    process = scheduler.SchedulerProcess(app)
    process.run_daily("lapse-scan")
    assert not process.active
    assert db.session.scalar(select(func.count(JobRun.id))) == 0


def test_daily_jobs_due_at_the_same_time_run_one_after_another_in_a_process(app, monkeypatch):
    """A process killed in one job must not leave another half-done (a mail out, its record not
    committed): the daily jobs of one process never overlap."""
    running, overlaps, finished = [], [], []

    def slow_run(job, day, **kwargs):
        overlaps.append(len(running))
        running.append(job)
        time.sleep(0.2)
        running.remove(job)
        finished.append(job)

    monkeypatch.setattr(job_runs, "run", slow_run)
    process = scheduler.SchedulerProcess(app)
    monkeypatch.setattr(process, "holds_lease", lambda: True)
    threads = [threading.Thread(target=process.run_daily, args=(job,)) for job in scheduler.DAILY]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(finished) == sorted(scheduler.DAILY)
    assert overlaps == [0, 0, 0]


# -- real processes -------------------------------------------------------------------------------

def _env(db_url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": TEST_SECRET, "SCHEDULER_IN_PROCESS": "0",
           "PYTHONUNBUFFERED": "1"}
    env.update({key: str(value) for key, value in extra.items()})
    return env


def _wait_for(condition, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see what the other processes committed
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None


@pytest.mark.slow
def test_three_scheduler_processes_on_one_database_run_each_job_once(db_url, smtp_server, tmp_path):
    mailbox, port = smtp_server
    demo_data.seed(40)
    db.session.commit()
    env = _env(db_url, MAIL_ENABLED="1", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, SCHEDULER_LEASE_SECONDS=6,
               SCAN_TIME="03:33", REMINDER_TIME="03:34", RETENTION_TIME="03:35", JOB_MISFIRE_GRACE_SECONDS=60)
    logs = [open(tmp_path / f"scheduler-{n}.log", "w+") for n in range(3)]
    processes = [subprocess.Popen([FLASK, "--app", "society", "scheduler", "--fire-now"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT) for log in logs]
    try:
        finished = _wait_for(lambda: db.session.scalar(
            select(func.count(JobRun.id)).where(JobRun.outcome != "running")) >= 3, timeout=90)
        assert finished, _logs(logs)
        # Each of the other two has reached its own firing of the three jobs and declined them: had it
        # (wrongly) run one, its run would be in the table by now.
        assert _wait_for(lambda: _standing_by_count(logs) >= 6, timeout=60), _logs(logs)
        db.session.rollback()
        runs = db.session.scalars(select(JobRun).order_by(JobRun.job)).all()
        assert [(r.job, r.trigger, r.outcome, r.run_key) for r in runs] == [
            ("lapse-scan", "schedule", "succeeded", date.today().isoformat()),
            ("reminders", "schedule", "succeeded", date.today().isoformat()),
            ("retention", "schedule", "succeeded", date.today().isoformat())], _logs(logs)
        assert len({r.host for r in runs}) == 1  # the active scheduler ran them all
        scan_counts, reminder_counts, _retention_counts = (json.loads(r.counts) for r in runs)
        assert db.session.scalar(select(func.count(Flag.id))) == scan_counts["raised"] > 0
        sent = db.session.scalar(select(func.count(ReminderSent.id)))
        assert sent == reminder_counts["sent"] > 0
        dues_mailed = _dues_reminders_mailed()
        assert dues_mailed == reminder_counts["dues"]["sent"]
        # The leader and the administrators once per reminder; each member once per dues reminder.
        assert len(mailbox.messages) == 2 * sent + dues_mailed
        recipients = mailbox.recipients()
        assert recipients.count("admin@sbs.example") == sent
        others = [address for address in recipients if address != "admin@sbs.example"]
        assert len(others) == len(set(others)) == sent + dues_mailed

        # The active one dies without a word: a standing-by process takes the lease over and runs nothing again.
        holder = db.session.scalar(select(SchedulerLease.holder))
        active = next(p for p in processes if f":{p.pid}:" in holder)
        active.kill()
        active.wait(10)
        new_holder = _wait_for(lambda: (h := db.session.scalar(select(SchedulerLease.holder))) != holder and h, 30)
        assert new_holder and any(f":{p.pid}:" in new_holder for p in processes if p is not active), _logs(logs)
        time.sleep(2)  # the new holder's first ticks: it catches up nothing, all three ran today
        db.session.rollback()
        assert db.session.scalar(select(func.count(JobRun.id))) == 3
    finally:
        _stop(processes, logs)
    assert all(p.returncode == 0 for p in processes if p is not active), _logs(logs)


def _standing_by_count(logs) -> int:
    """How many daily jobs the schedulers that stood by have declined, from their logs."""
    return sum(Path(log.name).read_text().count("another scheduler is active; standing by") for log in logs)


def _dues_reminders_mailed() -> int:
    return db.session.scalar(select(func.count(DuesReminderSent.id)).where(DuesReminderSent.mailed.is_(True)))


def _stop(processes, logs) -> None:
    """SIGTERM every scheduler still running (it gives its lease up), SIGKILL one that hangs."""
    # A scheduler finishing the retention job empties SQLite's WAL, which waits for readers to leave:
    # this test's own read transaction first.
    db.session.rollback()
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
    for log in logs:
        log.close()


def _logs(logs) -> str:
    text = []
    for log in logs:
        log.flush()
        log.seek(0)
        text.append(log.read()[-3000:])
    return "\n---\n".join(text)


@pytest.mark.slow
def test_a_scan_killed_half_way_leaves_no_flag_and_the_next_run_completes_it(app, db_url, monkeypatch):
    demo_data.seed(12, today=date(2026, 11, 23))
    db.session.commit()
    # The process kills itself after inserting the new flags, before resolving the old and committing.
    killer = ("import os, signal, sys; import society.services.flags.lapse as lapse; "
              "lapse._resolve = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL); "
              "from flask.cli import main; sys.argv = ['flask'] + sys.argv[1:]; main()")
    result = subprocess.run([sys.executable, "-c", killer, "--app", "society", "jobs", "run", "lapse-scan",
                             "--today", "2026-11-23"], cwd=ROOT, env=_env(db_url), capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()[-2000:]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 0
    (dead,) = db.session.scalars(select(JobRun)).all()
    assert dead.outcome == "running"

    monkeypatch.setitem(app.config, "JOB_STALE_MINUTES", 0)
    with writing():
        rerun = job_runs.run("lapse-scan", date(2026, 11, 23), trigger="cli")
    assert rerun.outcome == "succeeded" and json.loads(rerun.counts)["raised"] > 0
    db.session.refresh(dead)
    assert dead.outcome == "failed" and "Abandoned" in dead.error


# A scheduler process that SIGKILLs itself at one point of its work (the first call of the named
# function, or the second for reminders: after one reminder was sent and committed).
KILL_AT = {
    "scan-start": ("society.services.flags.lapse", "wanted_flags", 1),
    "flags-raised": ("society.services.flags.lapse", "_resolve", 1),
    "reminder-sent": ("society.services.flags.reminders", "_send_one", 2),
}
KILLER = """
import importlib, os, signal, sys
module, name, nth = sys.argv.pop(1), sys.argv.pop(1), int(sys.argv.pop(1))
target = importlib.import_module(module)
original, calls = getattr(target, name), []
def dying(*args, **kwargs):
    calls.append(1)
    if len(calls) >= nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
setattr(target, name, dying)
from flask.cli import main
sys.argv = ["flask"] + sys.argv[1:]
main()
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(KILL_AT))
def test_a_scheduler_killed_during_the_days_work_is_taken_over_and_the_work_done_once(
        db_url, smtp_server, tmp_path, point):
    mailbox, port = smtp_server
    demo_data.seed(40)
    db.session.commit()
    due = max(datetime.now() - timedelta(minutes=2), datetime.combine(date.today(), datetime.min.time()))
    env = _env(db_url, MAIL_ENABLED="1", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, SCHEDULER_LEASE_SECONDS=3,
               SCAN_TIME=due.strftime("%H:%M"), REMINDER_TIME=due.strftime("%H:%M"), RETENTION_TIME=due.strftime("%H:%M"),
               JOB_MISFIRE_GRACE_SECONDS=3600)
    logs = [open(tmp_path / f"scheduler-{n}.log", "w+") for n in range(3)]
    module, name, nth = KILL_AT[point]
    doomed = subprocess.Popen([sys.executable, "-c", KILLER, module, name, str(nth), "--app", "society", "scheduler"],
                              cwd=ROOT, env=env, stdout=logs[0], stderr=subprocess.STDOUT)
    processes = [doomed]
    try:
        assert _wait_for(lambda: db.session.scalar(select(func.count(JobRun.id))) > 0, 60), _logs(logs)
        processes += [subprocess.Popen([FLASK, "--app", "society", "scheduler"], cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT) for log in logs[1:]]
        assert doomed.wait(60) == -signal.SIGKILL, _logs(logs)
        today = date.today().isoformat()
        done = _wait_for(lambda: db.session.scalar(select(func.count(JobRun.id)).where(
            JobRun.run_key == today, JobRun.outcome == "succeeded")) == 3, timeout=60)
        time.sleep(2)  # two lease ticks of each process: time enough for one to (wrongly) run the jobs again
        db.session.rollback()
        assert done, _logs(logs)
        runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        succeeded = {r.job: r for r in runs if r.outcome == "succeeded"}
        assert sorted(succeeded) == ["lapse-scan", "reminders", "retention"]
        assert all(r.run_key == today for r in succeeded.values())
        interrupted = [r for r in runs if r.outcome != "succeeded"]
        assert interrupted and all(r.error.startswith("Interrupted") and r.run_key.startswith(f"{today}~")
                                   and f":{doomed.pid}:" in r.host for r in interrupted), _logs(logs)
        assert all(f":{doomed.pid}:" not in succeeded[r.job].host for r in interrupted)  # taken over
        scan = json.loads(succeeded["lapse-scan"].counts)
        assert db.session.scalar(select(func.count(Flag.id))) == scan["raised"] == scan["open"] > 0
        sent, dues_mailed = db.session.scalar(select(func.count(ReminderSent.id))), _dues_reminders_mailed()
        # Each reminder once, whoever sent it: accreditation reminders to the leader and the
        # administrators, dues reminders to the member.
        assert sent > 0 and len(mailbox.messages) == 2 * sent + dues_mailed
        others = [address for address in mailbox.recipients() if address != "admin@sbs.example"]
        assert len(others) == len(set(others)) == sent + dues_mailed
    finally:
        _stop(processes, logs)
