"""What a leader's landing page puts first: the next things to do, each a count and a page.

Three small queries whatever the history: records waiting for this leader's countersignature
(only for someone who has ever been accredited; a trainee can never countersign), their
accreditations whose expiry falls within the rule-set version's warning days (renewal due), and
the groups they lead today whose next session, by the group's rhythm, is overdue (sessions to record).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Accreditation, Group, GroupLeader, GroupSession, TrainingRecord
from ..groups.led_groups import RHYTHM_DAYS
from .ledger import asked_to_countersign


@dataclass(frozen=True)
class NextActions:
    may_countersign: bool
    to_countersign: int
    renewal_due: int
    sessions_to_record: int

    @property
    def any(self) -> bool:
        return bool(self.to_countersign or self.renewal_due or self.sessions_to_record)


def may_countersign(person_id: int) -> bool:
    """Whether the person has ever been granted an accreditation (countersigning asks for one on the
    record's date, so someone never granted one, a trainee, can never countersign)."""
    return db.session.scalar(select(Accreditation.id).where(
        Accreditation.person_id == person_id, Accreditation.granted_on.is_not(None)).limit(1)) is not None


def next_actions(person_id: int, today: date) -> NextActions:
    can_countersign = may_countersign(person_id)
    waiting = db.session.scalar(select(func.count()).select_from(TrainingRecord)
                                .where(asked_to_countersign(person_id))) if can_countersign else 0
    return NextActions(can_countersign, waiting, _renewal_due(person_id, today), _sessions_to_record(person_id, today))


def _renewal_due(person_id: int, today: date) -> int:
    held = db.session.scalars(select(Accreditation).where(
        Accreditation.person_id == person_id, Accreditation.status == "granted", Accreditation.expires_on >= today)
        .options(selectinload(Accreditation.rule_set_version)))
    return sum(1 for a in held
               if a.expires_on <= today + timedelta(days=max(a.rule_set_version.warning_day_list or [0])))


def _sessions_to_record(person_id: int, today: date) -> int:
    rows = db.session.execute(
        select(Group.rhythm, func.max(GroupSession.held_on))
        .select_from(GroupLeader).join(Group, Group.id == GroupLeader.group_id)
        .outerjoin(GroupSession, and_(GroupSession.group_id == Group.id, GroupSession.held_on <= today))
        .where(GroupLeader.person_id == person_id, GroupLeader.starts_on <= today,
               or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= today), Group.status == "active")
        .group_by(Group.id, Group.rhythm)).all()
    return sum(1 for rhythm, last in rows
               if rhythm in RHYTHM_DAYS and (last is None or last + timedelta(days=RHYTHM_DAYS[rhythm]) < today))
