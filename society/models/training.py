"""The training ledger: what a (future) leader did, in units and minutes, and who vouched for it."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, choice, personal
from .people import Person

RECORD_KINDS = ("participation", "co_leading", "leading", "intensive", "supervision", "supervisor_report", "portfolio")
UNITS = ("session", "double_session", "hour", "case_discussion", "event")
RECORD_STATUSES = ("pending", "approved", "rejected")
RECORD_SOURCES = ("self", "attendance", "admin", "import")
# Units of a fixed length: a record in these says its minutes twice, and the two must agree.
MINUTES_PER_UNIT = {"hour": 60, "double_session": 90}


def split_tags(tags: str | None) -> tuple[str, ...]:
    """The tag codes a record's ``tags`` column holds (comma-separated)."""
    return tuple(tag for tag in (tags or "").split(",") if tag)


def join_tags(tags) -> str | None:
    """The column's value for some tag codes: sorted, no duplicates, None for none."""
    codes = sorted({tag.strip() for tag in tags or () if tag and tag.strip()})
    return ",".join(codes) or None


class TrainingRecord(Timestamps, db.Model):
    __tablename__ = "training_records"
    __table_args__ = (
        CheckConstraint("units >= 0", name="units_not_negative"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        CheckConstraint("days IS NULL OR days >= 1", name="days_positive"),
        CheckConstraint("status != 'rejected' OR rejection_reason IS NOT NULL", name="rejection_has_reason"),
        # Attendance produces each participant's record once.
        UniqueConstraint("session_id", "person_id", "kind"),
        Index("ix_training_records_person_status_date", "person_id", "status", "occurred_on"),
        Index("ix_training_records_status_created", "status", "created_at"),
        # Covers the progress query (services/training/progress.py): one leader's approved records,
        # added up by the facts rules look at, read from the index alone and in group order.
        Index("ix_training_records_progress", "person_id", "status", "kind", "unit", "in_person",
              "with_accredited_leader", "occurred_on", "units", "minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(choice(*RECORD_KINDS, name="record_kind"))
    occurred_on: Mapped[date] = mapped_column(Date)
    unit: Mapped[str] = mapped_column(choice(*UNITS, name="record_unit"), default="session")
    units: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=1)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    in_person: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether an accredited leader led the session, as of its date (a rule-set qualifier).
    with_accredited_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(String(200))  # e.g. the seminar's name; never case content
    source: Mapped[str] = mapped_column(choice(*RECORD_SOURCES, name="record_source"), default="self")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(choice(*RECORD_STATUSES, name="record_status"), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text, **personal())
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    countersigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evidence_path: Mapped[str | None] = mapped_column(String(300))
    evidence_name: Mapped[str | None] = mapped_column(String(200), **personal())
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Facts the rule language filters on (presentation/records.py has the known codes): who ran an
    # intensive or workshop, what a supervisor's report is, further tags as comma-separated codes.
    provider: Mapped[str | None] = mapped_column(String(40))
    report_kind: Mapped[str | None] = mapped_column(String(30))
    tags: Mapped[str | None] = mapped_column(String(300))
    # How many days it lasted (an intensive of 4 days), when a rule asks a length in days.
    days: Mapped[int | None] = mapped_column(Integer)
    # The group it took place in when that is no group of the registry (an imported ledger's name for
    # it), so a rule asking most sessions in one group can tell its records apart from others.
    outside_group: Mapped[str | None] = mapped_column(String(120))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    supervisor: Mapped[Person | None] = relationship(foreign_keys=[supervisor_id])
    countersigned_by: Mapped[Person | None] = relationship(foreign_keys=[countersigned_by_id])
