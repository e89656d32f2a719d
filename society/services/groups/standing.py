"""Whether a group is accredited on a day, derived from its leaders, never stored.

A group is accredited on a day when at least one of its leaders serving that day
(``starts_on <= day <= ends_on``), not as a trainee, holds an accreditation valid
that day (``standing.valid_on``). This one rule serves the lapse scan (which flags
the groups it fails) and the public directory (which shows them as not accredited),
so the two never disagree; the directory asks on the day it answers, so a lapse
shows at once, between scans.
"""
from datetime import date

from sqlalchemy import and_, exists, or_, select

from ...models import Accreditation, Group, GroupLeader
from ..accreditation.standing import valid_on


def leader_serving_on(day: date):
    """SQL condition on GroupLeader: the leader serves the group on ``day``."""
    return and_(GroupLeader.starts_on <= day, or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= day))


def counts_as_accredited(is_trainee: bool, holds_valid_accreditation: bool) -> bool:
    """The rule for one serving leader, for code that has already read the rows (the scan)."""
    return holds_valid_accreditation and not is_trainee


def accredited_leader(day: date):
    """SQL condition on GroupLeader: serving on ``day``, not as a trainee, with an accreditation valid that day."""
    return and_(leader_serving_on(day), GroupLeader.is_trainee.is_(False),
                exists().where(Accreditation.person_id == GroupLeader.person_id, valid_on(day)))


def accredited_group(day: date):
    """A correlated SQL condition on Group: accredited on ``day``. Use it to filter or sort."""
    return exists().where(GroupLeader.group_id == Group.id, accredited_leader(day))


def accredited_group_ids(day: date):
    """The same rule as a set: ids of the groups accredited on ``day``, for ``Group.id IN (...)``,
    which the database builds once per query instead of testing each group."""
    return select(GroupLeader.group_id).where(accredited_leader(day))
