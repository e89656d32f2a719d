"""Reminders sent before an accreditation expires: one row per accreditation, lead time and expiry.

The row is inserted in the same transaction that sends the e-mail, before sending, so
two processes racing for the same reminder cannot both send it (the second waits on the
unique key, then finds it taken). A renewal moves ``expires_on``, which starts a new cycle.
"""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import utcnow


class ReminderSent(db.Model):
    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("accreditation_id", "lead_days", "expires_on"),
        CheckConstraint("lead_days > 0", name="lead_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id", ondelete="CASCADE"))
    lead_days: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)  # the scan date the reminder was due on
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # False when MAIL_ENABLED is off: recorded as done, nothing was sent.
    mailed: Mapped[bool] = mapped_column(Boolean, default=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"), index=True)
