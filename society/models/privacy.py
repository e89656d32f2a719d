"""What an erasure kept because law or the society's rules require it, and until when.

Erasure (services/privacy/erasure.py) blanks a person and deletes what it may; dues paid
(the bookkeeping period) and accreditation decisions stay, under the pseudonym, until
``keep_until``. The retention job then removes them and records the day in ``removed_on``.
"""
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import Timestamps, choice

KEPT_KINDS = ("dues_payments", "accreditation_decisions")


class RetainedRecord(Timestamps, db.Model):
    __tablename__ = "retained_records"
    __table_args__ = (Index("ix_retained_records_due", "removed_on", "keep_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    society_id: Mapped[int | None] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(choice(*KEPT_KINDS, name="retained_kind"))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200))  # in English: why the law or the rules keep it
    keep_until: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
