"""Whether a person held a valid accreditation on a given day.

One definition, used everywhere it matters: countersigning a record, the lapse scan,
the public directory's "accredited" state. An accreditation is valid on a day when it
was granted on or before it, has not expired by it, and no suspension or revocation
had taken effect (``invalid_from``). ``valid_on`` is the set-based form for queries.
"""
from datetime import date

from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import Accreditation
from ...models.accreditation import VALID_ONCE_STATUSES


def valid_on(day: date):
    """SQL condition on Accreditation: valid on ``day``."""
    return and_(
        Accreditation.status.in_(VALID_ONCE_STATUSES),
        Accreditation.granted_on <= day,
        or_(Accreditation.expires_on.is_(None), Accreditation.expires_on >= day),
        or_(Accreditation.invalid_from.is_(None), Accreditation.invalid_from > day),
    )


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
