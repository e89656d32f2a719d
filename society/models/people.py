"""Societies, the people they know, memberships and dues."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, UniqueConstraint, Boolean, Integer, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, choice, personal

MEMBER_CATEGORIES = ("full", "associate", "trainee", "student", "retired", "honorary")
END_REASONS = ("resigned", "lapsed", "deceased", "expelled")
# How a society's dues invoices carry their payment reference (services/membership/references.py).
REFERENCE_SCHEMES = ("plain", "ocr", "rf")
PROFESSIONS = (
    "gp", "resident", "psychiatrist", "psychologist", "physiotherapist", "nurse",
    "psychotherapist", "physician", "social_worker", "other",
)


class Society(Timestamps, db.Model):
    __tablename__ = "societies"
    __table_args__ = (
        CheckConstraint("group_min_size >= 1 AND group_max_size >= group_min_size", name="group_size_range"),
        CheckConstraint("group_min_leaders >= 1 AND group_max_leaders >= group_min_leaders", name="leader_range"),
        CheckConstraint("dues_grace_days >= 0", name="dues_grace_not_negative"),
        CheckConstraint("retention_left_member_years >= 1 AND retention_import_days >= 1 AND retention_login_days >= 1 "
                        "AND retention_flag_years >= 1 AND retention_dues_years >= 1 AND retention_decision_years >= 1",
                        name="retention_positive"),
        CheckConstraint("cme_points_per_hour IS NULL OR cme_points_per_hour >= 0", name="cme_rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[str] = mapped_column(String(40), default="en")  # comma-separated ISO codes
    default_language: Mapped[str] = mapped_column(String(5), default="en")
    website: Mapped[str | None] = mapped_column(String(300))
    group_min_size: Mapped[int] = mapped_column(Integer, default=4)
    group_max_size: Mapped[int] = mapped_column(Integer, default=12)
    group_min_leaders: Mapped[int] = mapped_column(Integer, default=1)
    group_max_leaders: Mapped[int] = mapped_column(Integer, default=2)
    dues_grace_days: Mapped[int] = mapped_column(Integer, default=90)
    certificate_signatories: Mapped[str | None] = mapped_column(Text)  # one "Name, Title" per line
    logo_filename: Mapped[str | None] = mapped_column(String(200))
    # Administrators without two-factor authentication are sent to enrol and can reach nothing else.
    require_admin_2fa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Sites allowed to frame the embeddable group finder (CSP frame-ancestors sources, space-separated).
    finder_frame_ancestors: Mapped[str | None] = mapped_column(String(500))
    # Retention of personal data (services/privacy/retention.py), applied by the daily retention job.
    retention_left_member_years: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    retention_import_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    retention_login_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    retention_flag_years: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # What erasure keeps because law or the society's rules require it: paid dues for the
    # bookkeeping period (seven years in Sweden), accreditation decisions.
    retention_dues_years: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    retention_decision_years: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # Continuing-education points a participant earns per hour of Balint work (Sweden: 1); empty: none.
    cme_points_per_hour: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    # Dues invoices: the payment reference a bank carries, and the renewal reminders' lead times
    # (comma-separated days before the due date, and after it for the overdue notices).
    payment_reference_scheme: Mapped[str] = mapped_column(
        choice(*REFERENCE_SCHEMES, name="payment_reference_scheme"), default="plain", server_default="plain")
    dues_reminder_days: Mapped[str] = mapped_column(String(40), default="30", server_default="30")
    dues_overdue_days: Mapped[str] = mapped_column(String(40), default="14", server_default="14")

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    def __repr__(self) -> str:
        return f"<Society {self.code}>"


class Person(Timestamps, db.Model):
    __tablename__ = "people"
    __table_args__ = (Index("ix_people_family_given", "family_name", "given_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100), **personal())
    family_name: Mapped[str] = mapped_column(String(100), **personal())
    email: Mapped[str | None] = mapped_column(String(254), unique=True, **personal())
    phone: Mapped[str | None] = mapped_column(String(40), **personal())
    profession: Mapped[str] = mapped_column(choice(*PROFESSIONS, name="profession"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    city: Mapped[str | None] = mapped_column(String(100), **personal())
    psychodynamically_trained: Mapped[bool] = mapped_column(Boolean, default=False)
    psychotherapy_qualified_on: Mapped[date | None] = mapped_column(Date)
    # Set when the person's data was erased on request (services/privacy/erasure.py): the row stays,
    # nameless, so groups keep their sessions and attendance counts.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the person unsubscribed from non-essential mail (renewal reminders before the due date).
    unsubscribed_on: Mapped[date | None] = mapped_column(Date)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="person", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.full_name}>"


class Membership(Timestamps, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("person_id", "society_id"),
        CheckConstraint("ended_on IS NULL OR ended_on >= joined_on", name="ended_after_joined"),
        CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="end_reason_with_end"),
        Index("ix_memberships_society_category", "society_id", "category"),
        Index("ix_memberships_society_joined", "society_id", "joined_on"),
        # Covers every member-list filter, so counting 100,000 members reads this index alone.
        Index("ix_memberships_society_filters", "society_id", "category", "ended_on", "person_id", "joined_on"),
        # Ended memberships only (a few in a hundred): the "resigned" filter counts them from here.
        Index("ix_memberships_society_ended", "society_id", "ended_on",
              sqlite_where=text("ended_on IS NOT NULL"), postgresql_where=text("ended_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    society_id: Mapped[int] = mapped_column(ForeignKey("societies.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(choice(*MEMBER_CATEGORIES, name="member_category"))
    joined_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(choice(*END_REASONS, name="end_reason"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(back_populates="memberships")
    society: Mapped[Society] = relationship()
    dues: Mapped[list["DuesPayment"]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", order_by="DuesPayment.period"
    )

    __mapper_args__ = {"version_id_col": version_id}


class DuesPayment(Timestamps, db.Model):
    """Dues owed for one period (a calendar year); unpaid while ``paid_on`` is empty."""

    __tablename__ = "dues_payments"
    __table_args__ = (
        UniqueConstraint("membership_id", "period"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("period BETWEEN 1900 AND 2999", name="period_is_year"),
        # Unpaid dues only: the status filters read this small index alone. paid_on leads so
        # that SQLite, without statistics, prefers it to ix_dues_payments_paid_on.
        Index("ix_dues_payments_unpaid", "paid_on", "period", "due_on", "membership_id",
              sqlite_where=text("paid_on IS NULL"), postgresql_where=text("paid_on IS NULL")),
        # The same rows in membership order: "dues overdue" groups each member's unpaid rows as it
        # reads them, and a page walked member by member looks up each one's unpaid rows here.
        Index("ix_dues_payments_unpaid_membership", "membership_id", "period", "due_on",
              sqlite_where=text("paid_on IS NULL"), postgresql_where=text("paid_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="SEK")
    due_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, index=True)
    reference: Mapped[str | None] = mapped_column(String(100))
    # The invoice's payment reference (OCR, RF or plain, by the society's scheme), given when dues are raised.
    payment_reference: Mapped[str | None] = mapped_column(String(35), unique=True)

    membership: Mapped[Membership] = relationship(back_populates="dues")
