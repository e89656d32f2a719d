"""The jobs dashboard: recent runs, the active scheduler, and "run now" for one's own society."""
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from society.extensions import db
from society.models import Flag, JobRun, SchedulerLease

from . import factories


def test_the_dashboard_shows_runs_with_this_societys_counts_only(admin_client, society):
    other = factories.society()
    factories.job_run(run_key="2026-06-01", counts=json.dumps({
        "raised": 9, "resolved": 0, "open": 9,
        "by_society": {str(society.id): {"raised": 4, "resolved": 0, "open": 4},
                       str(other.id): {"raised": 5, "resolved": 0, "open": 5}}}))
    factories.job_run(trigger="manual", society_id=other.id, run_key=None, error="Only theirs", outcome="failed")
    db.session.add(SchedulerLease(name="scheduler", holder="worker-7:4242:abcd",
                                  expires_at=datetime.now(timezone.utc) + timedelta(seconds=60)))
    page = admin_client.get("/admin/jobs/").get_data(as_text=True)
    assert "2026-06-01" in page and "<strong>4</strong>" in page and "<strong>5</strong>" not in page
    assert "Only theirs" not in page
    assert "worker-7:4242:abcd" in page
    assert "Runs every day at 02:00." in page


def test_run_now_scans_the_administrators_society_and_records_the_run(admin_client, admin, society):
    group = factories.group(society)
    factories.participant(group, factories.person())
    other_group = factories.group(factories.society())
    factories.participant(other_group, factories.person())

    response = admin_client.post("/admin/jobs/lapse-scan/run")
    assert response.status_code == 302
    run = db.session.scalar(select(JobRun))
    assert (run.job, run.trigger, run.outcome, run.society_id, run.run_key) == (
        "lapse-scan", "manual", "succeeded", society.id, None)
    assert {f.society_id for f in db.session.scalars(select(Flag))} == {society.id}
    page = admin_client.get("/admin/jobs/").get_data(as_text=True)
    assert "Lapse scan finished." in page and "succeeded" in page


def test_run_now_sends_the_reminders_too(admin_client):
    assert admin_client.post("/admin/jobs/reminders/run").status_code == 302
    assert db.session.scalar(select(JobRun.job)) == "reminders"


def test_run_now_answers_404_for_an_unknown_job_and_405_for_get(admin_client):
    assert admin_client.post("/admin/jobs/rm-rf/run").status_code == 404
    assert admin_client.get("/admin/jobs/lapse-scan/run").status_code == 405


def test_leaders_and_visitors_cannot_see_or_run_jobs(client, leader_client):
    assert leader_client.get("/admin/jobs/").status_code == 403
    assert leader_client.post("/admin/jobs/lapse-scan/run").status_code == 403
    assert client.post("/admin/jobs/lapse-scan/run").status_code in (302, 401)
    assert db.session.scalar(select(JobRun.id)) is None


def test_run_now_needs_the_csrf_token(csrf_app, admin):
    client = csrf_app.test_client()
    token = client.get("/auth/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/auth/login", data={"email": admin.email, "password": factories.PASSWORD, "csrf_token": token})
    assert client.post("/admin/jobs/lapse-scan/run").status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(JobRun.id)) is None


def test_the_dashboard_says_when_no_scheduler_renews_its_lease(admin_client):
    db.session.add(SchedulerLease(name="scheduler", holder="gone:1:dead",
                                  expires_at=datetime.now(timezone.utc) - timedelta(minutes=5)))
    page = admin_client.get("/admin/jobs/").get_data(as_text=True)
    assert "No scheduler is active" in page and "gone:1:dead" in page


def test_the_dashboard_shows_an_interrupted_run_and_the_run_that_took_over(admin_client):
    factories.job_run(run_key="2026-06-01~1", outcome="failed", host="gone:1:abc",
                      error="Interrupted: the scheduler running it stopped before it finished (gone:1:abc); ...")
    factories.job_run(run_key="2026-06-01", outcome="succeeded", host="here:2:def")
    db.session.commit()
    page = admin_client.get("/admin/jobs/").get_data(as_text=True)
    assert "interrupted" in page and "the scheduler that took over ran it again" in page
    assert "Interrupted: the scheduler" not in page  # the stored English detail gives way to the page's wording
    admin_client.post("/language", data={"lang": "sv", "next": "/"})
    assert "avbruten" in admin_client.get("/admin/jobs/").get_data(as_text=True)
