"""What the evaluator needs to know, read from the database in a few set-based queries.

``person_facts``: the person's qualifications, conditions, society memberships and the credentials
they hold (accreditations granted, with their rule set's code). ``record_facts``: the approved
records one by one (same-day records with the same facts added together), each with who was there
as the rules ask:
- ``supervisor_credentials``: the rule-set codes of the accreditations the record's supervisor
  held on the record's day;
- ``supervisor_listed``: the supervisor held some credential on that day (the society's list of
  supervisors is its accredited leaders; no separate list is kept yet);
- ``co_leader_credentials``: what the other leaders of the record's group, leading it on that day,
  held on that day;
- ``group_closed``: the record's group takes no new members (a closed group with fixed leaders);
- ``provider``, ``report_kind``, ``tags``: not recorded on training records yet, so empty.
Four queries whatever the number of records (records, groups with their leaders, credentials of
everyone named, memberships): none per record.
"""
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ...extensions import db
from ...models import Accreditation, Group, GroupLeader, Membership, RuleSet, RuleSetVersion, Society, TrainingRecord
from ...models.accreditation import ENDED_BY_DECISION, VALID_ONCE_STATUSES
from .evaluator import HeldCredential, MembershipSpan, PersonFacts, Qualification, RecordFact, VersionRules


def person_facts(person, training_started_on: date | None, on: date) -> PersonFacts:
    """The facts about ``person`` the rules look at, as known on ``on``."""
    qualified_on = person.psychotherapy_qualified_on
    qualifications = (Qualification("psychotherapy", qualified_on),) if qualified_on else ()
    conditions = ("psychodynamically_trained",) if person.psychodynamically_trained else ()
    memberships = db.session.execute(
        select(Society.code, Membership.joined_on, Membership.ended_on).join(Society, Membership.society_id == Society.id)
        .where(Membership.person_id == person.id).order_by(Membership.joined_on)
    )
    return PersonFacts(
        psychodynamically_trained=bool(person.psychodynamically_trained),
        psychotherapy_qualified=qualified_on is not None and qualified_on <= on,
        training_started_on=training_started_on,
        qualifications=qualifications,
        conditions=conditions,
        memberships=tuple(MembershipSpan(code, joined, ended) for code, joined, ended in memberships),
        credentials=tuple(credentials_of([person.id]).get(person.id, ())),
    )


def credentials_of(person_ids) -> dict[int, list[HeldCredential]]:
    """The credentials each person was granted, with the days they held them, in one query."""
    ids = sorted({i for i in person_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Accreditation.person_id, RuleSet.code, Accreditation.granted_on, Accreditation.expires_on,
               Accreditation.invalid_from, Accreditation.status)
        .join(RuleSetVersion, Accreditation.rule_set_version_id == RuleSetVersion.id)
        .join(RuleSet, RuleSetVersion.rule_set_id == RuleSet.id)
        .where(Accreditation.person_id.in_(ids), Accreditation.status.in_(VALID_ONCE_STATUSES),
               Accreditation.granted_on.is_not(None))
    )
    held: dict[int, list[HeldCredential]] = defaultdict(list)
    for person_id, code, granted_on, expires_on, invalid_from, status in rows:
        until = expires_on
        if invalid_from is not None:
            until = min(d for d in (expires_on, invalid_from - timedelta(days=1)) if d is not None)
        elif status in ENDED_BY_DECISION:
            continue  # suspended or revoked without a date: held on no day (as standing.py says)
        if until is None or until >= granted_on:
            held[person_id].append(HeldCredential(code, granted_on, until))
    return held


def _held_on(credentials: list[HeldCredential], day: date) -> tuple[str, ...]:
    return tuple(sorted({c.code for c in credentials
                         if c.held_from <= day and (c.held_until is None or c.held_until >= day)}))


def record_facts(person_id: int, rules: VersionRules, on: date) -> list[RecordFact]:
    """The person's approved records up to ``on`` that some requirement of ``rules`` counts."""
    kinds = sorted(rules.counted_kinds)
    if not kinds:
        return []
    record = TrainingRecord
    rows = db.session.execute(
        select(record.kind, record.unit, record.in_person, record.with_accredited_leader, record.occurred_on,
               record.supervisor_id, record.group_id, func.sum(record.units), func.sum(record.minutes))
        .where(record.person_id == person_id, record.status == "approved", record.occurred_on <= on,
               record.kind.in_(kinds))
        .group_by(record.kind, record.unit, record.in_person, record.with_accredited_leader, record.occurred_on,
                  record.supervisor_id, record.group_id)
    ).all()
    groups = _groups({row[6] for row in rows if row[6] is not None}, person_id)
    named = {row[5] for row in rows} | {leader for _, leaders in groups.values() for leader, _, _ in leaders}
    credentials = credentials_of(named)
    facts = []
    for kind, unit, in_person, accredited, day, supervisor_id, group_id, units, minutes in rows:
        closed, leaders = groups.get(group_id, (False, ()))
        supervisor = credentials.get(supervisor_id, []) if supervisor_id else []
        supervisor_held = _held_on(supervisor, day)
        co_leaders = tuple(sorted({code for leader, starts, ends in leaders
                                   if starts <= day and (ends is None or ends >= day)
                                   for code in _held_on(credentials.get(leader, []), day)}))
        facts.append(RecordFact(
            kind=kind, unit=unit, occurred_on=day, units=Decimal(units), minutes=int(minutes or 0),
            in_person=bool(in_person), with_accredited_leader=bool(accredited), group_closed=closed,
            supervisor_credentials=supervisor_held, supervisor_listed=bool(supervisor_held),
            co_leader_credentials=co_leaders,
        ))
    return facts


def _groups(group_ids: set[int], person_id: int) -> dict[int, tuple[bool, list[tuple[int, date, date | None]]]]:
    """Per group: whether it is closed to new members, and its other leaders with their dates."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        select(Group.id, Group.accepting_members, GroupLeader.person_id, GroupLeader.starts_on, GroupLeader.ends_on)
        .outerjoin(GroupLeader, (GroupLeader.group_id == Group.id) & (GroupLeader.person_id != person_id))
        .where(Group.id.in_(sorted(group_ids)))
    )
    groups: dict[int, tuple[bool, list]] = {}
    for group_id, accepting, leader_id, starts_on, ends_on in rows:
        closed, leaders = groups.setdefault(group_id, (not accepting, []))
        if leader_id is not None:
            leaders.append((leader_id, starts_on, ends_on))
    return groups
