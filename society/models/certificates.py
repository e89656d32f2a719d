"""Certificates issued for granted accreditations. A certificate's PDF never changes;
what verification says follows the accreditation."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, personal
from .accreditation import Accreditation


class Certificate(Timestamps, db.Model):
    __tablename__ = "certificates"
    # The administrators' "issued on a day" batch and zip.
    __table_args__ = (Index("ix_certificates_issued_on", "issued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id", ondelete="RESTRICT"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="en")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(Text, **personal())
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    # The data the PDF was rendered from, as JSON, so a re-render is reproducible.
    rendered_from: Mapped[str | None] = mapped_column(Text, **personal())  # holds the holder's name

    accreditation: Mapped[Accreditation] = relationship()
