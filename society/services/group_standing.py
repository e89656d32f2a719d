"""Whether a group is accredited on a day, derived from its leaders, never stored.

A group is accredited on a day when at least one of its leaders serving that day
(``starts_on <= day <= ends_on``) holds an accreditation valid that day
(``standing.valid_on``). The public directory asks on the day it answers, so a
lapse shows at once, between lapse scans; the scan flags the same groups.
"""
from datetime import date

from sqlalchemy import and_, exists, or_, select

from ..extensions import db
from ..models import Accreditation, Group, GroupLeader
from .standing import valid_on

CHUNK = 5000  # ids per IN list, below every driver's parameter limit


def leader_serving_on(day: date):
    """SQL condition on GroupLeader: the leader serves the group on ``day``."""
    return and_(GroupLeader.starts_on <= day, or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= day))


def accredited_group(day: date):
    """A correlated SQL condition on Group: accredited on ``day``. Use it to filter or sort directory queries."""
    return exists().where(
        GroupLeader.group_id == Group.id,
        leader_serving_on(day),
        exists().where(Accreditation.person_id == GroupLeader.person_id, valid_on(day)),
    )


def group_accredited_on(group_ids, day: date) -> dict[int, bool]:
    """{group id: accredited on ``day``} for the given groups, in one query per 5,000 ids."""
    ids = sorted(set(group_ids))
    accredited: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        accredited.update(db.session.scalars(
            select(GroupLeader.group_id)
            .join(Accreditation, and_(Accreditation.person_id == GroupLeader.person_id, valid_on(day)))
            .where(GroupLeader.group_id.in_(chunk), leader_serving_on(day))
            .distinct()
        ))
    return {group_id: group_id in accredited for group_id in ids}
