"""Payment providers: how a member pays an invoice and how the payment is booked.

Online card payment cannot be reached from these machines, so one provider ships:
``ManualPayments``, payment by bank transfer quoting the invoice's reference, booked by an
administrator (the member's page, "Record payment") or by a bank's payment file
(``bank_payments``). A card provider later implements the same two methods: ``instructions``
(what the member's invoice page offers: text, or a URL to the provider's checkout) and
``record`` (called from its confirmation webhook, once the provider says the money arrived),
and is chosen in ``provider_for``.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from flask_babel import gettext

from ...models import DuesPayment
from . import members, references


@dataclass(frozen=True)
class PaymentInstructions:
    text: str
    checkout_url: str | None = None  # a provider's hosted payment page; None for bank transfers


class PaymentProvider(Protocol):
    name: str

    def instructions(self, dues: DuesPayment) -> PaymentInstructions:
        """What the member is told to do to pay ``dues``."""

    def record(self, dues: DuesPayment, amount: Decimal, paid_on: date, reference: str | None) -> DuesPayment:
        """Book a payment of ``dues`` (refused when it is already paid). Flushes; the caller commits."""


class ManualPayments:
    """Bank transfer quoting the payment reference; booked by hand or from a bank file."""

    name = "manual"

    def instructions(self, dues: DuesPayment) -> PaymentInstructions:
        reference = references.grouped(dues.payment_reference) if dues.payment_reference else None
        if reference:
            return PaymentInstructions(gettext(
                "Pay by bank transfer quoting the payment reference %(reference)s.", reference=reference))
        return PaymentInstructions(gettext("Pay by bank transfer; the society's office tells you how."))

    def record(self, dues: DuesPayment, amount: Decimal, paid_on: date, reference: str | None) -> DuesPayment:
        return members.record_payment(dues.membership, dues.period, amount, paid_on, reference)


def provider_for(society_id: int) -> PaymentProvider:
    """The provider a society takes payments through (only the manual one exists)."""
    return ManualPayments()
