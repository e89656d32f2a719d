"""Form submissions already taken: each form carries a one-time token (see
services/platform/submissions.py), so a double click or a repeated POST takes effect once."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import utcnow


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"
    __table_args__ = (Index("ix_form_submissions_submitted_at", "submitted_at"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Where the first submission sent the browser, so a repeat goes there too.
    location: Mapped[str | None] = mapped_column(String(2000))
