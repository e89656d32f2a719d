"""The jobs dashboard: recent runs of the scheduled jobs, the active scheduler, "run now"."""
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from ...access import admin_society_id, roles_required
from ...schemas.base import load_form
from ...schemas.jobs import RunNowSchema
from ...services.platform import job_runs, scheduler_lease
from . import bp

JOB_LABELS = {"lapse-scan": _l("Lapse scan"), "reminders": _l("Expiry reminders"),
              "retention": _l("Retention of personal data"), "webhooks": _l("Webhook deliveries")}
COUNT_LABELS = {"raised": _l("raised"), "resolved": _l("resolved"), "open": _l("open"), "sent": _l("sent"),
                "recorded_only": _l("recorded, not mailed"), "failed": _l("failed"), "removed": _l("removed"),
                "delivered": _l("delivered"), "retrying": _l("to retry")}
SETTINGS = {"lapse-scan": "SCAN_TIME", "reminders": "REMINDER_TIME", "retention": "RETENTION_TIME"}


@bp.route("/")
@roles_required("admin")
def dashboard():
    page_number = request.args.get("page", 1, type=int)
    society_id = admin_society_id()
    page = job_runs.recent_runs(society_id, page=max(page_number, 1))
    counts = {run.id: job_runs.counts_for(run, society_id) for run in page.items}
    # The daily jobs; webhook deliveries run every few seconds (their page: /admin/webhooks).
    schedule = [(job, JOB_LABELS[job], current_app.config[SETTINGS[job]]) for job in SETTINGS]
    lease = scheduler_lease.current("scheduler")
    return render_template("jobs/dashboard.html", page=page, counts=counts, schedule=schedule,
                           job_labels=JOB_LABELS, count_labels=COUNT_LABELS, lease=lease,
                           lease_active=lease is not None and scheduler_lease.is_current(lease))


@bp.route("/<job>/run", methods=["POST"])
@roles_required("admin")
def run_now(job: str):
    if job not in job_runs.JOBS:
        abort(404)
    _data, errors = load_form(RunNowSchema(), request.form)
    if errors:
        abort(400)
    run = job_runs.run(job, date.today(), trigger="manual", society_id=admin_society_id())
    if run is None:
        flash(_("That job is running already."), "warning")
    elif run.outcome == "succeeded":
        flash(_("%(job)s finished.", job=JOB_LABELS[job]), "success")
    else:
        flash(_("%(job)s failed: %(error)s", job=JOB_LABELS[job], error=(run.error or "").splitlines()[0]), "danger")
    return redirect(url_for("jobs.dashboard"))
