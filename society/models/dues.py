"""Dues: renewal reminders sent, and bank payment files staged for import.

A ``dues_reminders_sent`` row is inserted in the transaction that sends the e-mail, before
sending, so two processes racing for the same reminder cannot both send it (the same
pattern as ``reminders_sent``). A ``payment_imports`` row keeps a bank file's text from
upload to commit, so the preview and the commit read the same file.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import Timestamps, choice, personal, utcnow

DUES_REMINDER_KINDS = ("before_due", "overdue")
PAYMENT_IMPORT_STATUSES = ("staged", "committed", "discarded")


class DuesReminderSent(db.Model):
    __tablename__ = "dues_reminders_sent"
    __table_args__ = (
        UniqueConstraint("dues_payment_id", "kind", "lead_days", "due_on"),
        CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dues_payment_id: Mapped[int] = mapped_column(ForeignKey("dues_payments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(choice(*DUES_REMINDER_KINDS, name="dues_reminder_kind"))
    lead_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)  # a moved due date starts a new cycle
    sent_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # False when MAIL_ENABLED is off or the member unsubscribed: recorded as done, nothing was sent.
    mailed: Mapped[bool] = mapped_column(Boolean, default=True)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"), index=True)


class PaymentImport(Timestamps, db.Model):
    __tablename__ = "payment_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, **personal())  # a bank file: payers' names and references
    status: Mapped[str] = mapped_column(choice(*PAYMENT_IMPORT_STATUSES, name="payment_import_status"),
                                        default="staged")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[dict | None] = mapped_column(JSON)  # the counts of the commit
