"""The list of supervisors a society keeps ("a supervisor from the ABS list"): add and end listings.

A listing says a person is on the society's list from a day, and until a day once it is ended;
it is never removed, so whether a supervisor was listed on a record's day stays known
(``listed_days``, read by ``facts.record_facts``). Every change is on the audit trail through the
flush hook. Only people who are or were members of the society can be listed.
"""
from collections import defaultdict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Membership, Society, SupervisorListing
from ..errors import InvalidInput, NotFound


def listings_of(society_id: int) -> list[SupervisorListing]:
    """The society's listings, with their person: those still open first, then by name."""
    statement = (select(SupervisorListing).where(SupervisorListing.society_id == society_id)
                 .options(joinedload(SupervisorListing.person)))
    listings = list(db.session.scalars(statement))
    return sorted(listings, key=lambda listing: (listing.listed_until is not None, listing.person.family_name.casefold(),
                                                 listing.person.given_name.casefold(), listing.listed_from))


def listing_of(society_id: int, listing_id: int) -> SupervisorListing:
    """The society's listing with this id; NotFound for another society's."""
    listing = db.session.get(SupervisorListing, listing_id)
    if listing is None or listing.society_id != society_id:
        raise NotFound(_l("No such listing."))
    return listing


def add_listing(society_id: int, person_id: int, listed_from: date, note: str | None = None) -> SupervisorListing:
    """Put a member of the society on its list of supervisors from ``listed_from``."""
    if db.session.scalar(select(Membership.id).where(Membership.society_id == society_id,
                                                      Membership.person_id == person_id).limit(1)) is None:
        raise InvalidInput(_l("Only a member of your society can be listed."), field="person_id")
    overlapping = db.session.scalar(select(SupervisorListing).where(
        SupervisorListing.society_id == society_id, SupervisorListing.person_id == person_id,
        (SupervisorListing.listed_until.is_(None)) | (SupervisorListing.listed_until >= listed_from)))
    if overlapping is not None:
        raise InvalidInput(_l("This person is on the list already from %(day)s.", day=overlapping.listed_from.isoformat())
                           if overlapping.listed_until is None else
                           _l("This person was on the list until %(day)s: list them from a later day.",
                              day=overlapping.listed_until.isoformat()), field="listed_from")
    listing = SupervisorListing(society_id=society_id, person_id=person_id, listed_from=listed_from, note=note or None)
    db.session.add(listing)
    db.session.flush()
    return listing


def end_listing(listing: SupervisorListing, listed_until: date) -> SupervisorListing:
    """Take the supervisor off the list after ``listed_until`` (their last listed day)."""
    if listing.listed_until is not None:
        raise InvalidInput(_l("This listing has ended already."), field="listed_until")
    if listed_until < listing.listed_from:
        raise InvalidInput(_l("The last day cannot come before the listing started (%(day)s).",
                              day=listing.listed_from.isoformat()), field="listed_until")
    listing.listed_until = listed_until
    db.session.flush()
    return listing


def listed_days(society_code: str | None, person_ids) -> dict[int, list[tuple[date, date | None]]]:
    """Per person, the stretches (first day, last day or None) they were on ``society_code``'s list,
    in one query; people never listed are absent."""
    ids = sorted({i for i in person_ids if i is not None})
    if society_code is None or not ids:
        return {}
    rows = db.session.execute(
        select(SupervisorListing.person_id, SupervisorListing.listed_from, SupervisorListing.listed_until)
        .join(Society, Society.id == SupervisorListing.society_id)
        .where(Society.code == society_code, SupervisorListing.person_id.in_(ids)))
    days: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for person_id, listed_from, listed_until in rows:
        days[person_id].append((listed_from, listed_until))
    return days


def listed_on(stretches: list[tuple[date, date | None]], day: date) -> bool:
    return any(start <= day and (end is None or end >= day) for start, end in stretches)
