"""Flags: events that need a person's attention, raised once per cause and kept as history."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import choice, personal, utcnow
from .people import Society

FLAG_KINDS = (
    "accreditation_expiring", "accreditation_expired", "membership_lapsed", "dues_lapsed",
    "trainee_behind_pace", "group_losing_accreditation", "group_unaccredited", "trainee_unsupervised",
    "group_norms",
)
SUBJECT_TYPES = ("group", "person", "accreditation", "membership")
SEVERITIES = ("info", "warning", "critical")


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        # At most one open flag per cause: the scan can run any number of times.
        Index(
            "uq_flags_open_cause", "kind", "subject_type", "subject_id", "cause",
            unique=True, sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_flags_society_open", "society_id", "resolved_at", "raised_at"),
        Index("ix_flags_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(choice(*FLAG_KINDS, name="flag_kind"))
    subject_type: Mapped[str] = mapped_column(choice(*SUBJECT_TYPES, name="flag_subject"))
    subject_id: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(100), default="")
    severity: Mapped[str] = mapped_column(choice(*SEVERITIES, name="flag_severity"), default="warning")
    message: Mapped[str] = mapped_column(String(500), **personal())  # may name a person
    details: Mapped[str | None] = mapped_column(Text, **personal())  # JSON
    due_on: Mapped[date | None] = mapped_column(Date)  # e.g. the day a group loses its last accredited leader
    raised_on: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text, **personal())
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))

    society: Mapped[Society] = relationship()
