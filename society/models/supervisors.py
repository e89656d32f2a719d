"""The supervisors a society lists: who may supervise its candidates, from which day until which.

The American Balint Society asks for "a supervisor from the ABS list"; a rule says so with the
record filter ``supervisor_listed`` (``services/accreditation/facts.py`` reads whether the record's
supervisor was on the rule set's own society's list on the record's day). A listing is ended, never
removed, so the list on any past day stays known.
"""
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, personal
from .people import Person, Society


class SupervisorListing(Timestamps, db.Model):
    __tablename__ = "supervisor_listings"
    __table_args__ = (
        UniqueConstraint("society_id", "person_id", "listed_from"),
        CheckConstraint("listed_until IS NULL OR listed_until >= listed_from", name="until_after_from"),
        # facts.py: the listings of the supervisors named in a candidate's records, for one society.
        Index("ix_supervisor_listings_person_society", "person_id", "society_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"))  # led by the unique key
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    listed_from: Mapped[date] = mapped_column(Date)
    listed_until: Mapped[date | None] = mapped_column(Date)  # the last day on the list; none: still listed
    note: Mapped[str | None] = mapped_column(String(300), **personal())

    society: Mapped[Society] = relationship()
    person: Mapped[Person] = relationship()

    def listed_on(self, day: date) -> bool:
        return self.listed_from <= day and (self.listed_until is None or self.listed_until >= day)
