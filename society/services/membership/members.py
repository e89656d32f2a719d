"""Members of one society: create, edit (with the lost-update guard), end, dues, history.

Plain functions: they flush, the caller commits once. Every row change is audited by the
flush hook; raising a period's dues for everyone is one set-based INSERT, recorded by one
audit event of its own.
"""
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import and_, func, insert, literal, or_, select
from sqlalchemy.orm import selectinload

from ...formatting import format_day
from ...extensions import db
from ...models import AuditEvent, DuesPayment, Membership, Person, PersonQualification, Society
from ..platform import audit, planner
from ..errors import Conflict, InvalidInput, NotFound
from .invoices import assign_references
from .status import in_force

PERSON_FIELDS = ("given_name", "family_name", "email", "phone", "profession", "city", "language",
                 "psychodynamically_trained", "psychotherapy_qualified_on")
MEMBERSHIP_FIELDS = ("category", "joined_on")


def membership_of(society_id: int, person_id: int) -> Membership:
    """The person's membership of this society, with the person and dues loaded; NotFound otherwise
    (an administrator of another society learns nothing)."""
    membership = db.session.scalar(
        select(Membership).where(Membership.society_id == society_id, Membership.person_id == person_id)
        .options(selectinload(Membership.person), selectinload(Membership.dues)))
    if membership is None:
        raise NotFound(gettext("No such member."))
    return membership


def _email_taken(email: str, except_person_id: int | None = None) -> bool:
    statement = select(Person.id).where(Person.email == email)
    if except_person_id is not None:
        statement = statement.where(Person.id != except_person_id)
    return db.session.scalar(statement.limit(1)) is not None


def create_member(society_id: int, data: dict) -> Membership:
    """A new person and their membership of this society."""
    if _email_taken(data["email"]):
        message = gettext("A person with this e-mail address is already registered.")
        raise InvalidInput(message, field="email", errors={"email": [message]})
    person = Person(**{k: data[k] for k in PERSON_FIELDS if k in data})
    membership = Membership(person=person, society_id=society_id, **{k: data[k] for k in MEMBERSHIP_FIELDS})
    db.session.add(membership)
    db.session.flush()
    return membership


def update_member(membership: Membership, data: dict) -> Membership:
    """Apply an edit made from ``person_version``/``membership_version``; Conflict when either
    row changed since (the version counter also stops a race at flush: StaleDataError)."""
    person = membership.person
    if data["person_version"] != person.version_id or data["membership_version"] != membership.version_id:
        raise Conflict(gettext("Someone else saved this member since you opened the form. "
                               "Your changes are below; reload the member to see theirs, then apply yours again."))
    if data["email"] != person.email and _email_taken(data["email"], person.id):
        message = gettext("A person with this e-mail address is already registered.")
        raise InvalidInput(message, field="email", errors={"email": [message]})
    if membership.ended_on and data["joined_on"] > membership.ended_on:
        message = gettext("The join date must be on or before the end date.")
        raise InvalidInput(message, field="joined_on", errors={"joined_on": [message]})
    for key in PERSON_FIELDS:
        if key in data and getattr(person, key) != data[key]:
            setattr(person, key, data[key])
    for key in MEMBERSHIP_FIELDS:
        if getattr(membership, key) != data[key]:
            setattr(membership, key, data[key])
    db.session.flush()
    return membership


def end_membership(membership: Membership, ended_on: date, reason: str) -> Membership:
    if membership.ended_on is not None:
        raise Conflict(gettext("This membership has already ended."))
    if ended_on < membership.joined_on:
        message = gettext("The end date must be on or after the join date.")
        raise InvalidInput(message, field="ended_on", errors={"ended_on": [message]})
    membership.ended_on, membership.end_reason = ended_on, reason
    db.session.flush()
    return membership


def record_payment(membership: Membership, period: int, amount: Decimal, paid_on: date,
                   reference: str | None = None) -> DuesPayment:
    """Mark a period's dues paid; a period with no dues raised yet gets its row now, due the day it
    was paid (so it was never late). Paying a period twice is refused."""
    dues = next((d for d in membership.dues if d.period == period), None)
    if dues is None:
        dues = DuesPayment(membership=membership, period=period, amount=amount, due_on=paid_on,
                           currency=_currency_of(membership.society_id))
        db.session.add(dues)
    elif dues.paid_on is not None:
        raise Conflict(gettext("The dues for %(period)s were already recorded as paid on %(day)s.",
                               period=period, day=format_day(dues.paid_on)))
    dues.amount, dues.paid_on, dues.reference = amount, paid_on, reference
    db.session.flush()
    return dues


def _currency_of(society_id: int) -> str:
    """The currency the society last raised dues in (the model's default when it never did)."""
    latest = db.session.scalar(
        select(DuesPayment.currency).join(Membership).where(Membership.society_id == society_id)
        .order_by(DuesPayment.period.desc(), DuesPayment.id.desc()).limit(1))
    return latest or DuesPayment.currency.default.arg


def default_currency(society_id: int) -> str:
    return _currency_of(society_id)


def raise_period_dues(society_id: int, period: int, amount: Decimal, currency: str, due_on: date,
                      today: date) -> int:
    """Create ``period``'s unpaid dues for every membership in force today that has none for it.

    One INSERT ... SELECT, whatever the society's size; the audit trail gets one event
    saying who raised which period for how many members. Returns that number."""
    now = datetime.now(timezone.utc)
    has_row = select(DuesPayment.id).where(DuesPayment.membership_id == Membership.id,
                                           DuesPayment.period == period).exists()
    source = select(Membership.id, literal(period), literal(amount), literal(currency), literal(due_on),
                    literal(now), literal(now)).where(
        Membership.society_id == society_id, in_force(today), ~has_row)
    # Counted first: drivers do not all report an INSERT ... SELECT's row count.
    created = db.session.scalar(select(func.count()).select_from(source.subquery()))
    db.session.execute(insert(DuesPayment.__table__).from_select(
        ["membership_id", "period", "amount", "currency", "due_on", "created_at", "updated_at"], source))
    audit.record("raise_dues", entity_type="DuesPayment", society_id=society_id,
                 details={"period": period, "amount": str(amount), "currency": currency,
                          "due_on": due_on.isoformat(), "memberships": created})
    db.session.flush()
    # Each new row is the member's invoice: it gets the payment reference a bank will carry.
    assign_references(db.session.get(Society, society_id), period)
    planner.after_bulk_write(created, "dues_payments")
    return created


def history(membership: Membership, limit: int = 200) -> list[AuditEvent]:
    """The trail of this member's rows: the person, the membership and its dues, newest first."""
    dues_ids = [d.id for d in membership.dues]
    rows = [and_(AuditEvent.entity_type == "Person", AuditEvent.entity_id == membership.person_id),
            and_(AuditEvent.entity_type == "Membership", AuditEvent.entity_id == membership.id)]
    if dues_ids:
        rows.append(and_(AuditEvent.entity_type == "DuesPayment", AuditEvent.entity_id.in_(dues_ids)))
    qualification_ids = select(PersonQualification.id).where(PersonQualification.person_id == membership.person_id)
    rows.append(and_(AuditEvent.entity_type == "PersonQualification", AuditEvent.entity_id.in_(qualification_ids)))
    return list(db.session.scalars(
        select(AuditEvent).where(or_(*rows)).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)))
