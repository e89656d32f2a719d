"""The groups a leader leads or co-leads, current and past, with what needs doing next.

Read-only. One page of groups costs a fixed number of queries whatever its length:
the assignments with their groups and teams, then one aggregate each for participants,
sessions, records waiting for a countersignature and who is accredited today.
The norms compared against (group size, number of leaders) are the society's own data.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from ...formatting import format_day
from ...extensions import db
from ...models import Group, GroupLeader, GroupParticipant, GroupSession, TrainingRecord
from . import norms
from ..accreditation import standing
from .standing import counts_as_accredited
from .norms import Norms
from ..training.ledger import asked_to_countersign

# How long after a session the next one is expected, by the group's declared rhythm.
RHYTHM_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 31}


@dataclass
class LedGroup:
    assignment: GroupLeader
    current: bool
    participants: int = 0
    sessions: int = 0
    last_session: date | None = None
    next_session_due: date | None = None
    to_countersign: int = 0
    accredited_leader_ids: set = field(default_factory=set)
    next_steps: list = field(default_factory=list)

    @property
    def group(self) -> Group:
        return self.assignment.group


def led_groups(person_id: int, today: date, page: int = 1, per_page: int = 20):
    """(pagination of GroupLeader rows, [LedGroup]) for the person's groups, current ones first."""
    is_current = and_(
        GroupLeader.starts_on <= today,
        or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= today),
        Group.status != "closed",
    )
    stmt = (
        select(GroupLeader).join(Group, Group.id == GroupLeader.group_id)
        .where(GroupLeader.person_id == person_id)
        .options(
            selectinload(GroupLeader.group).selectinload(Group.society),
            selectinload(GroupLeader.group).selectinload(Group.leaders).selectinload(GroupLeader.person),
        )
        .order_by(case((is_current, 0), else_=1), GroupLeader.starts_on.desc(), GroupLeader.id)
    )
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    assignments = list(pagination.items)
    group_ids = {a.group_id for a in assignments}
    participants, sessions, waiting = _counts(group_ids, person_id, today)
    everyone = {leader.person_id for a in assignments for leader in a.group.leaders}
    accredited = standing.accredited_people_on(everyone, today)
    rows = []
    for assignment in assignments:
        row = LedGroup(
            assignment=assignment,
            current=assignment.active_on(today) and assignment.group.status != "closed",
            participants=participants.get(assignment.group_id, 0),
            sessions=sessions.get(assignment.group_id, (0, None))[0],
            last_session=sessions.get(assignment.group_id, (0, None))[1],
            to_countersign=waiting.get(assignment.group_id, 0),
            accredited_leader_ids={lead.person_id for lead in assignment.group.leaders
                                   if lead.active_on(today)
                                   and counts_as_accredited(lead.is_trainee, lead.person_id in accredited)},
        )
        row.next_session_due = _next_due(assignment.group.rhythm, row.last_session)
        row.next_steps = _next_steps(row, today)
        rows.append(row)
    return pagination, rows


def _counts(group_ids: set, person_id: int, today: date):
    if not group_ids:
        return {}, {}, {}
    participants = dict(db.session.execute(
        select(GroupParticipant.group_id, func.count(func.distinct(GroupParticipant.person_id)))
        .where(GroupParticipant.group_id.in_(group_ids), GroupParticipant.starts_on <= today,
               or_(GroupParticipant.ends_on.is_(None), GroupParticipant.ends_on >= today))
        .group_by(GroupParticipant.group_id)
    ).all())
    sessions = {gid: (count, last) for gid, count, last in db.session.execute(
        select(GroupSession.group_id, func.count(GroupSession.id), func.max(GroupSession.held_on))
        .where(GroupSession.group_id.in_(group_ids), GroupSession.held_on <= today)
        .group_by(GroupSession.group_id)
    )}
    waiting = dict(db.session.execute(
        select(TrainingRecord.group_id, func.count(TrainingRecord.id))
        .where(TrainingRecord.group_id.in_(group_ids), asked_to_countersign(person_id))
        .group_by(TrainingRecord.group_id)
    ).all())
    return participants, sessions, waiting


def _next_due(rhythm: str, last_session: date | None) -> date | None:
    days = RHYTHM_DAYS.get(rhythm)
    if days is None or last_session is None:
        return None
    return last_session + timedelta(days=days)


def _next_steps(row: LedGroup, today: date) -> list:
    group, society = row.group, row.group.society
    steps = []
    if row.to_countersign:
        steps.append(_l("%(n)s record(s) from this group wait for your countersignature.", n=row.to_countersign))
    if not row.current:
        return steps
    active_leaders = [lead for lead in group.leaders if lead.active_on(today)]
    if not row.accredited_leader_ids:
        if row.assignment.is_trainee:
            steps.append(_l("No leader of this group is accredited today: as a trainee you need an accredited "
                            "supervisor; name them on your records."))
        else:
            steps.append(_l("No leader of this group is accredited today; the group will be shown as not accredited."))
    # The society's norms, worded as on the group pages (services/groups/norms.py).
    steps.extend(warning.message for warning in norms.check(row.participants, len(active_leaders), Norms.of(society)))
    if group.status in ("active", "forming"):
        if row.last_session is None:
            steps.append(_l("No session has been recorded yet; send the attendance of the first sessions to the society."))
        elif row.next_session_due and row.next_session_due < today:
            steps.append(_l("No session recorded since %(day)s; send the attendance of recent sessions to the society.",
                            day=format_day(row.last_session)))
    return steps
