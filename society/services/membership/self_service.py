"""A member's own membership: what they see of it and the contact details they keep up.

Everything is scoped by the logged-in user's person; the contact details are changed through
the ORM, so the flush hook audits each change and administrators see it in the member's
history (``members.history``).
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import DuesPayment, Membership, Person
from ..errors import Conflict, InvalidInput
from .status import status_of

CONTACT_FIELDS = ("given_name", "family_name", "email", "phone", "city")


@dataclass(frozen=True)
class MyMembership:
    membership: Membership
    status: str
    dues: list[DuesPayment]  # newest period first


def memberships_of(person_id: int, today: date) -> list[MyMembership]:
    """The person's memberships (any society), each with its derived status and dues."""
    rows = db.session.scalars(
        select(Membership).where(Membership.person_id == person_id)
        .options(selectinload(Membership.society), selectinload(Membership.dues))
        .order_by(Membership.joined_on)).all()
    return [MyMembership(m, status_of(m, today, m.society.dues_grace_days),
                         sorted(m.dues, key=lambda d: d.period, reverse=True)) for m in rows]


def update_contact(person: Person, data: dict) -> Person:
    """Apply the member's own edit of their contact details, made from ``version``."""
    if data["version"] != person.version_id:
        raise Conflict(gettext("Your details were changed elsewhere since you opened the form. "
                               "Your changes are below; reload the page to see the others, then apply yours again."))
    email = data.get("email")
    if email != person.email and email is not None and db.session.scalar(
            select(Person.id).where(Person.email == email, Person.id != person.id).limit(1)) is not None:
        message = gettext("A person with this e-mail address is already registered.")
        raise InvalidInput(message, field="email", errors={"email": [message]})
    for key in CONTACT_FIELDS:
        if key in data and getattr(person, key) != data[key]:
            setattr(person, key, data[key])
    db.session.flush()
    return person
