"""Job runs and the scheduler lease that keeps one scheduler active among many processes."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import choice, utcnow

JOB_OUTCOMES = ("running", "succeeded", "failed")


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (
        # A scheduled run (job + day) executes once, whichever process claims it first.
        Index("uq_job_runs_run_key", "job", "run_key", unique=True,
              sqlite_where=text("run_key IS NOT NULL"), postgresql_where=text("run_key IS NOT NULL")),
        Index("ix_job_runs_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    run_key: Mapped[str | None] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(choice("schedule", "manual", "cli", name="job_trigger"), default="manual")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(choice(*JOB_OUTCOMES, name="job_outcome"), default="running")
    counts: Mapped[str | None] = mapped_column(Text)  # JSON
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(200))
    # Set for a run an administrator started for their own society; scheduled runs cover all.
    society_id: Mapped[int | None] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"), index=True)

    # A scheduled run whose scheduler stopped half-way: the scheduler that took over moved its
    # key aside ("<key>~<id>", services/platform/job_runs.take_over) and ran the job again.
    INTERRUPTED_KEY_MARK = "~"

    @property
    def interrupted(self) -> bool:
        return self.outcome == "failed" and self.INTERRUPTED_KEY_MARK in (self.run_key or "")


class SchedulerLease(db.Model):
    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
