"""Whether a person held a valid accreditation on a given day.

One definition, used everywhere it matters: countersigning a record, the lapse scan,
the public directory's "accredited" state. An accreditation is valid on a day when it
was granted on or before it, has not expired by it, and no suspension or revocation
had taken effect (``invalid_from``; a suspension or revocation recorded without that date
holds on every day). ``valid_on`` is the set-based form for queries and
``Accreditation.is_valid_on`` the same rule for a loaded row: the directory, certificate
verification, countersigning, the lapse scan and the dashboard all answer from these two.
"""
from datetime import date

from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import Accreditation
from ...models.accreditation import ENDED_BY_DECISION, VALID_ONCE_STATUSES


def valid_on(day: date):
    """SQL condition on Accreditation: valid on ``day``."""
    return and_(
        Accreditation.status.in_(VALID_ONCE_STATUSES),
        Accreditation.granted_on <= day,
        or_(Accreditation.expires_on.is_(None), Accreditation.expires_on >= day),
        no_decision_ends_it_on(day),
    )


def no_decision_ends_it_on(day: date):
    """SQL twin of ``not Accreditation.ended_by_decision_on(day)``, written without NOT so that
    an empty ``invalid_from`` never turns the condition NULL."""
    return or_(Accreditation.invalid_from > day,
               and_(Accreditation.invalid_from.is_(None), Accreditation.status.not_in(ENDED_BY_DECISION)))


def accredited_on(person_id: int, day: date) -> bool:
    return db.session.scalar(
        select(Accreditation.id).where(Accreditation.person_id == person_id, valid_on(day)).limit(1)
    ) is not None


def accredited_people_on(person_ids, day: date) -> set[int]:
    """The subset of ``person_ids`` accredited on ``day``, in one query."""
    ids = list(set(person_ids))
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Accreditation.person_id).where(Accreditation.person_id.in_(ids), valid_on(day)).distinct()
    ))
