"""Webhooks: an external system's subscription to the registry's events, the outbox of events
written with the change that caused them, and one delivery per event and subscription."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import Timestamps, choice, utcnow

WEBHOOK_EVENT_TYPES = (
    "group.created", "group.changed", "group.closed",
    "group.accreditation_lost", "group.accreditation_regained",
    "accreditation.granted", "accreditation.expired", "accreditation.suspended", "accreditation.revoked",
    "certificate.revoked",
)
# pending: due at next_attempt_at; delivering: claimed by one process until lease_until;
# delivered: a 2xx answer; failed: given up after WEBHOOK_MAX_ATTEMPTS (an administrator may resend).
DELIVERY_STATUSES = ("pending", "delivering", "delivered", "failed")


class WebhookSubscription(Timestamps, db.Model):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # "whsec_" + base64 of the signing key (Standard Webhooks).
    secret: Mapped[str] = mapped_column(String(200))
    # Event types, space-separated; empty means every event.
    events: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def event_list(self) -> list[str]:
        return self.events.split() if self.events else []

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.event_list


class WebhookEvent(db.Model):
    """The outbox: written in the transaction of the change, never changed afterwards."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)  # webhook-id, the same on every retry
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(choice(*WEBHOOK_EVENT_TYPES, name="webhook_event_type"))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body sent, exactly
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        # The delivery job's question: what is due now (pending, or a claim whose lease ran out).
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(choice(*DELIVERY_STATUSES, name="webhook_delivery_status"),
                                        default="pending", server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    response_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
