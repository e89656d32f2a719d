"""The audit trail: who changed what, when. Rows are only ever inserted."""
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id", "occurred_at"),
        Index("ix_audit_events_society_time", "society_id", "occurred_at"),
        Index("ix_audit_events_action_actor_time", "action", "actor_label", "occurred_at"),
        # Log-in throttling counts failures per client address across accounts.
        Index("ix_audit_events_action_ip_time", "action", "ip", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # No foreign key: the trail outlives the accounts it mentions and is never rewritten.
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(254))  # e-mail, "system", or a pseudonym after erasure
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    society_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[str | None] = mapped_column(Text)  # JSON: {field: [old, new]}
    ip: Mapped[str | None] = mapped_column(String(64))
