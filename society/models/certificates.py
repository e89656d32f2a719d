"""Certificates: for granted accreditations (leaders), for attendance and for participants'
credentials. A certificate's PDF never changes; what verification says follows the
accreditation (an attendance record stands as issued, unless the certificate is revoked)."""
import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ._base import Timestamps, choice, personal
from .accreditation import Accreditation
from .people import Person, Society

# accreditation: a leader's granted accreditation; attendance: the hours a participant attended in a
# period (a year, or one group's period); participant_credential: a participant rule set met.
CERTIFICATE_KINDS = ("accreditation", "attendance", "participant_credential")


class Certificate(Timestamps, db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # The administrators' "issued on a day" batch and zip.
        Index("ix_certificates_issued_on", "issued_on"),
        # One year's attendance certificate per person and society (a group's has its group).
        Index("ux_certificates_attendance_year", "person_id", "society_id", "period_start", "period_end",
              unique=True, sqlite_where=text("kind = 'attendance' AND group_id IS NULL AND revoked_at IS NULL"),
              postgresql_where=text("kind = 'attendance' AND group_id IS NULL AND revoked_at IS NULL")),
        CheckConstraint(
            "(kind = 'accreditation' AND accreditation_id IS NOT NULL)"
            " OR (kind = 'attendance' AND period_start IS NOT NULL AND period_end IS NOT NULL"
            " AND period_end >= period_start)"
            " OR (kind = 'participant_credential' AND rule_set_id IS NOT NULL)",
            name="kind_fields"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(choice(*CERTIFICATE_KINDS, name="certificate_kind"), default="accreditation",
                                      server_default="accreditation")
    accreditation_id: Mapped[int | None] = mapped_column(ForeignKey("accreditations.id", ondelete="RESTRICT"),
                                                         index=True)
    # The holder and the issuing society, for every kind (an accreditation's are copied from it).
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="RESTRICT"), index=True)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_sets.id", ondelete="RESTRICT"))
    # What an attendance certificate covers: the days, and the group when it is one group's.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="en")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(Text, **personal())
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    # The data the PDF was rendered from, as JSON, so a re-render is reproducible.
    rendered_from: Mapped[str | None] = mapped_column(Text, **personal())  # holds the holder's name

    accreditation: Mapped[Accreditation | None] = relationship()
    person: Mapped[Person] = relationship()
    society: Mapped[Society] = relationship()

    @validates("accreditation")
    def _holder_of(self, _key, accreditation):
        # An accreditation's certificate belongs to its person and its rule set's society.
        if accreditation is not None:
            self.person_id = accreditation.person_id
            self.society_id = accreditation.rule_set_version.rule_set.society_id
        return accreditation

    @property
    def printed(self) -> dict:
        """What the certificate says (its snapshot), as issued."""
        try:
            return json.loads(self.rendered_from or "{}")
        except ValueError:
            return {}
