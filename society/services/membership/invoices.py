"""Dues invoices and receipts: a period's dues row is the member's invoice.

Raising a period's dues (``members.raise_period_dues``) gives each new row a payment reference
by the society's scheme (``references``), set-based like the raise itself. A member downloads
the invoice of any period and a receipt of each paid one, rendered in their language through
the certificates' WeasyPrint fence (``certificates/rendering.py``: package files only, a time
limit), from plain data, never ORM objects.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, select, update

from ...extensions import db
from ...formatting import format_day, format_money
from ...models import DuesPayment, Membership, Society
from ...presentation.members import CATEGORY_LABELS
from ..certificates import rendering
from ..errors import NotFound
from . import references

STYLESHEET = "membership/dues.css"
USER_AGENT_STYLESHEET = "certificates/user-agent.css"


def invoice_number(dues: DuesPayment, society_code: str) -> str:
    return f"{society_code}-{dues.period}-{dues.id}"


def assign_references(society: Society, period: int, *, unpaid_only: bool = False) -> int:
    """Give ``period``'s dues of the society that have no payment reference yet their own."""
    statement = select(DuesPayment.id).join(Membership).where(
        Membership.society_id == society.id, DuesPayment.period == period, DuesPayment.payment_reference.is_(None))
    if unpaid_only:
        statement = statement.where(DuesPayment.paid_on.is_(None))
    rows = db.session.execute(statement).scalars().all()
    if not rows:
        return 0
    table = DuesPayment.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("dues_id")).values(payment_reference=bindparam("new_reference")),
        [{"dues_id": dues_id,
          "new_reference": references.make(society.payment_reference_scheme, dues_id, period, society.code)}
         for dues_id in rows])
    return len(rows)


def dues_of_person(person_id: int, dues_id: int) -> DuesPayment:
    """One period's dues of this person (any of their memberships); NotFound for anyone else's."""
    dues = db.session.scalar(
        select(DuesPayment).join(Membership).where(DuesPayment.id == dues_id, Membership.person_id == person_id))
    if dues is None:
        raise NotFound(gettext("No such invoice."))
    return dues


@dataclass(frozen=True)
class DuesDocument:
    """What an invoice or a receipt shows, worded in the reader's language."""
    number: str
    society: str
    name: str
    email: str | None
    city: str | None
    period: int
    category: str
    amount: str
    due_on: str
    paid_on: str | None
    reference: str | None


def _document(dues: DuesPayment) -> DuesDocument:
    membership = dues.membership
    person, society = membership.person, membership.society
    return DuesDocument(
        number=invoice_number(dues, society.code), society=society.name, name=person.full_name,
        email=person.email, city=person.city, period=dues.period,
        category=str(CATEGORY_LABELS.get(membership.category, membership.category)),
        amount=format_money(dues.amount, dues.currency), due_on=format_day(dues.due_on),
        paid_on=format_day(dues.paid_on) if dues.paid_on else None,
        reference=references.grouped(dues.payment_reference) if dues.payment_reference else None)


def language_of(dues: DuesPayment) -> str:
    """The member's language where the application speaks it, else the society's, else English."""
    languages = current_app.config["LANGUAGES"]
    for code in (dues.membership.person.language, dues.membership.society.default_language):
        if code in languages:
            return code
    return "en"


def pdf(dues: DuesPayment, *, receipt: bool) -> bytes:
    """The invoice (or, for paid dues, the receipt) as PDF in the member's language."""
    if receipt and dues.paid_on is None:
        raise NotFound(gettext("These dues are not paid yet, so there is no receipt."))
    language = language_of(dues)
    with force_locale(language):
        html = render_template("membership/pdf/dues.html", d=_document(dues), receipt=receipt, lang=language)
    limit = current_app.config.get("CERTIFICATE_RENDER_SECONDS", rendering.DEFAULT_TIME_LIMIT)
    return rendering.render_pdf(html, stylesheet=STYLESHEET, user_agent=USER_AGENT_STYLESHEET, time_limit=limit).pdf


def filename(dues: DuesPayment, *, receipt: bool) -> str:
    kind = "receipt" if receipt else "invoice"
    return f"{kind}-{invoice_number(dues, dues.membership.society.code)}.pdf"


# The demo member's open invoice carries this reference on any day, so the sample bank file
# (docs/examples/bank-payments.csv) pays it. Period 9999 is outside the dues' CHECK range, so
# no invoice raised by the application can have it.
DEMO_REFERENCE = references.ocr(1, 9999)


def open_demo_invoices(society: Society, member_person_id: int | None, today) -> None:
    """Demo data: references on every unpaid invoice, and an open invoice for the demo member
    (this year's dues, due in three weeks) with the fixed ``DEMO_REFERENCE``."""
    if member_person_id is not None:
        dues = db.session.scalar(
            select(DuesPayment).join(Membership).where(Membership.person_id == member_person_id,
                                                       Membership.society_id == society.id)
            .order_by(DuesPayment.period.desc()).limit(1))
        if dues is not None:
            dues.paid_on, dues.reference, dues.payment_reference = None, None, DEMO_REFERENCE
            dues.due_on = max(dues.due_on, today + timedelta(days=21))
    db.session.flush()
    for period in db.session.scalars(
            select(DuesPayment.period).join(Membership).where(Membership.society_id == society.id,
                                                              DuesPayment.paid_on.is_(None)).distinct()).all():
        assign_references(society, period, unpaid_only=True)
