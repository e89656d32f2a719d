"""Rule sets: what a society asks of a leader before accrediting them, versioned.

A requirement belongs to a clause; a clause is met when every requirement of at
least one of its options is met ("20 sessions OR 8 if psychodynamically trained").
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy import false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, choice
from .people import Society
from .training import RECORD_KINDS, UNITS

WINDOWS = ("none", "before_training", "after_training", "rolling_months", "per_year")
CONDITIONS = ("psychodynamically_trained", "psychotherapy_qualified")
# Who a rule set's credential is for: a group leader (an accreditation pathway) or a participant
# (proof of attendance, e.g. the German Psychosomatische Grundversorgung).
AUDIENCES = ("leader", "participant")


class RuleSet(Timestamps, db.Model):
    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("society_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    credential_title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(choice(*AUDIENCES, name="rule_set_audience"), default="leader",
                                          server_default="leader")
    description: Mapped[str | None] = mapped_column(Text)
    # An example shipped with the product, not a society's published rules: says so wherever shown.
    is_example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Texts that are data carry their translations as data: {"sv": {"credential_title": ..., "description": ...}}
    # (formatting.translated shows them in the reader's language, the stored text as fallback).
    translations: Mapped[dict | None] = mapped_column(JSON)

    society: Mapped[Society] = relationship()
    versions: Mapped[list["RuleSetVersion"]] = relationship(
        back_populates="rule_set", cascade="all, delete-orphan", order_by="RuleSetVersion.effective_from"
    )


class RuleSetVersion(Timestamps, db.Model):
    __tablename__ = "rule_set_versions"
    __table_args__ = (
        UniqueConstraint("rule_set_id", "label"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="effective_range"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    validity_months: Mapped[int | None] = mapped_column(Integer)  # None: accreditation does not expire
    warning_days: Mapped[str] = mapped_column(String(40), default="90,60,30")
    # Pace a trainee is expected to keep, per year of training (flags "behind pace").
    pace_supervision_per_year: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    pace_leading_per_year: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    translations: Mapped[dict | None] = mapped_column(JSON)  # {"sv": {"notes": ...}}

    rule_set: Mapped[RuleSet] = relationship(back_populates="versions")
    requirements: Mapped[list["Requirement"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by=lambda: (Requirement.clause, Requirement.option, Requirement.id)
    )

    @property
    def warning_day_list(self) -> list[int]:
        return sorted({int(d) for d in self.warning_days.split(",") if d.strip()}, reverse=True)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or self.effective_to >= day)


class Requirement(db.Model):
    __tablename__ = "requirements"
    __table_args__ = (
        CheckConstraint("minimum > 0", name="minimum_positive"),
        CheckConstraint("minutes_per_unit IS NULL OR minutes_per_unit > 0", name="minutes_per_unit_positive"),
        CheckConstraint("window_kind != 'rolling_months' OR window_months > 0", name="rolling_has_months"),
        UniqueConstraint("version_id", "clause", "option", "label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rule_set_versions.id", ondelete="CASCADE"), index=True)
    clause: Mapped[int] = mapped_column(Integer, default=1)
    option: Mapped[str] = mapped_column(String(8), default="a")
    applies_if: Mapped[str | None] = mapped_column(choice(*CONDITIONS, name="requirement_condition"))
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(choice(*RECORD_KINDS, name="requirement_kind"))
    # Leading requirements often accept co-leading too.
    also_counts: Mapped[str | None] = mapped_column(String(100))  # comma-separated extra kinds
    unit: Mapped[str] = mapped_column(choice(*UNITS, name="requirement_unit"))
    minutes_per_unit: Mapped[int | None] = mapped_column(Integer)
    minimum: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # Which records count: all, before/after training started, the last N months, the last year.
    window_kind: Mapped[str] = mapped_column(choice(*WINDOWS, name="requirement_window"), default="none")
    window_months: Mapped[int | None] = mapped_column(Integer)
    requires_accredited_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    in_person_only: Mapped[bool] = mapped_column(Boolean, default=False)
    translations: Mapped[dict | None] = mapped_column(JSON)  # {"sv": {"label": ...}}
    # The rule language beyond a minimum (rhythm, span, share, cap, anchors, order, first/last,
    # who the supervisor must be, prerequisites): plain data, see services/accreditation/constraints.py.
    code: Mapped[str | None] = mapped_column(String(40))  # how other requirements refer to this one
    constraints: Mapped[dict | None] = mapped_column(JSON)
    advisory: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # shown, never blocks
    # Where the rule comes from (an address or a document), when it was checked there, and whether
    # its figure could be read there (an unverified figure is shown as such).
    source: Mapped[str | None] = mapped_column(String(300))
    source_checked_on: Mapped[date | None] = mapped_column(Date)
    unverified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    version: Mapped[RuleSetVersion] = relationship(back_populates="requirements")

    @property
    def counted_kinds(self) -> list[str]:
        extra = [k.strip() for k in (self.also_counts or "").split(",") if k.strip()]
        return [self.kind, *extra]


class ParticipantChoice(Timestamps, db.Model):
    """A participant rule set a person follows although it is not their society's (e.g. a Swedish GP
    working towards the German Psychosomatische Grundversorgung)."""

    __tablename__ = "participant_choices"
    __table_args__ = (UniqueConstraint("person_id", "rule_set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id", ondelete="CASCADE"))
