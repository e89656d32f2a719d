"""Accreditations: a person's pathway on one rule-set version and the decisions on it.

The rule-set version is fixed when the pathway starts, so a candidate keeps the
rules they started under (grandfathering) unless an administrator moves them.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, choice, personal, utcnow
from .people import Person
from .rules import RuleSetVersion

ACCREDITATION_STATUSES = ("in_training", "applied", "granted", "suspended", "revoked", "expired", "rejected")
# Statuses of an accreditation that was granted at some point, and so was valid for a while.
VALID_ONCE_STATUSES = ("granted", "expired", "suspended", "revoked")
# Statuses that end validity by a decision; without an effective date (``invalid_from``) the
# decision holds on every day, so no public answer calls the credential valid while it stands.
ENDED_BY_DECISION = ("suspended", "revoked")
DECISION_ACTIONS = (
    "start", "apply", "grant", "reject", "renew", "suspend", "revoke", "reinstate", "expire", "move_version",
)


class Accreditation(Timestamps, db.Model):
    __tablename__ = "accreditations"
    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR granted_on IS NULL OR expires_on > granted_on", name="expires_after_granted"),
        CheckConstraint("status NOT IN ('granted','suspended','expired') OR granted_on IS NOT NULL", name="granted_has_date"),
        Index("ix_accreditations_status_expires", "status", "expires_on"),
        Index("ix_accreditations_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    rule_set_version_id: Mapped[int] = mapped_column(ForeignKey("rule_set_versions.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(choice(*ACCREDITATION_STATUSES, name="accreditation_status"), default="in_training")
    training_started_on: Mapped[date] = mapped_column(Date)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    granted_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # Set when a suspension or revocation ends validity early (cleared on reinstatement).
    invalid_from: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text, **personal())
    public_reason: Mapped[str | None] = mapped_column(String(300), **personal())  # shown on verification, if any

    person: Mapped[Person] = relationship()
    rule_set_version: Mapped[RuleSetVersion] = relationship()
    decisions: Mapped[list["AccreditationDecision"]] = relationship(
        back_populates="accreditation", cascade="all, delete-orphan", order_by="AccreditationDecision.decided_at"
    )

    def is_valid_on(self, day: date) -> bool:
        """Whether the credential held on ``day`` (see services/accreditation/standing.py for the SQL twin)."""
        return (
            self.status in VALID_ONCE_STATUSES
            and self.granted_on is not None
            and self.granted_on <= day
            and (self.expires_on is None or self.expires_on >= day)
            and not self.ended_by_decision_on(day)
        )

    def ended_by_decision_on(self, day: date) -> bool:
        """Whether a suspension or revocation is in effect on ``day`` (undated: on every day)."""
        if self.invalid_from is not None:
            return self.invalid_from <= day
        return self.status in ENDED_BY_DECISION


class AccreditationDecision(db.Model):
    """One step in an accreditation's history: who did what, when and why. Never edited."""

    __tablename__ = "accreditation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(choice(*DECISION_ACTIONS, name="decision_action"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text, **personal())
    expires_on: Mapped[date | None] = mapped_column(Date)

    accreditation: Mapped[Accreditation] = relationship(back_populates="decisions")
