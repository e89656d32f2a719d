"""`flask --app society jobs run lapse-scan|reminders|webhooks [--today YYYY-MM-DD]`: one run now."""
import json
import sys
from datetime import date

import click

from ...services.platform import job_runs
from . import bp


class _Progress:
    """A progress bar on the terminal (stderr), so the last line of stdout stays the JSON summary."""

    def __init__(self):
        self.bar = None
        self.done = 0

    def __call__(self, step: str, number: int, total: int) -> None:
        if self.bar is None or self.bar.length != total:
            self.close()
            self.bar = click.progressbar(length=total, label=step, show_pos=True, file=sys.stderr)
            self.bar.__enter__()
            self.done = 0
        self.bar.label = step
        self.bar.update(number - self.done)
        self.done = number

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@bp.cli.command("run")
@click.argument("job", type=click.Choice(sorted(job_runs.JOBS)))
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD).")
def run_job(job: str, day) -> None:
    """Run one job now; the last line printed is a JSON summary."""
    day = day.date() if day else date.today()
    progress = _Progress()
    try:
        run = job_runs.run(job, day, trigger="cli", progress=progress)
    finally:
        progress.close()
    counts = json.loads(run.counts) if run.counts else {}
    counts.pop("by_society", None)
    first = {key: counts.pop(key) for key in ("raised", "resolved", "open") if key in counts}
    summary = {**first, "job": job, "day": day.isoformat(), "job_run_id": run.id, "outcome": run.outcome, **counts}
    if run.error:
        click.echo(run.error, err=True)
        summary["error"] = run.error.splitlines()[0]
    click.echo(json.dumps(summary, sort_keys=False))
    if run.outcome != "succeeded":
        sys.exit(1)
