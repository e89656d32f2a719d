"""Participants' credentials (rule sets whose audience is ``participant``, such as the German
Psychosomatische Grundversorgung), evaluated from the sessions a person attended.

Nothing here knows a rule's figures: every participant rule set of the societies the person
belongs to or attends groups of is evaluated by the one evaluator, from record facts built from
attendance (kind participation, unit hour, the session's minutes and format, its day).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import or_, select, union
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Attendance, Group, GroupSession, Membership, ParticipantChoice, Person, RuleSet, RuleSetVersion
from ..groups.participation import sessions_attended
from ..errors import NotFound
from .evaluator import ProgressReport, RecordFact, evaluate, person_facts, snapshot
from ..groups.openness import closed_days, closed_on
from .facts import fixed_leader, groups_with_leaders, participants_of, size_on
from .rulesets import version_in_force


@dataclass(frozen=True)
class ParticipantCredential:
    rule_set: RuleSet
    version: RuleSetVersion
    report: ProgressReport

    @property
    def met(self) -> bool:
        return self.report.met


def record_facts(person_id: int, on: date) -> list[RecordFact]:
    """One fact per session attended as a participant up to ``on``, with whether its group was closed,
    had a fixed leader, and how many took part (``facts.py`` says how): four queries."""
    sessions = sessions_attended(person_id, end=on)
    groups = groups_with_leaders({s.group_id for s in sessions}, person_id)
    participants = participants_of(set(groups))
    openness = closed_days(set(groups))
    first: dict[int, date] = {}
    for session in sessions:  # oldest first
        first.setdefault(session.group_id, session.held_on)
    return [RecordFact(kind="participation", unit="hour", units=Decimal(s.minutes) / 60, minutes=s.minutes,
                       in_person=s.in_person, with_accredited_leader=s.with_accredited_leader,
                       occurred_on=s.held_on, group_closed=closed_on(openness.get(s.group_id), s.held_on,
                                                                         groups.get(s.group_id, (False, ()))[0]),
                       fixed_leader=fixed_leader(groups, s.group_id, first[s.group_id], s.held_on),
                       group_size=size_on(participants, s.group_id, s.held_on), group=f"#{s.group_id}")
            for s in sessions]


def rule_sets_for(person_id: int) -> list[RuleSet]:
    """Participant rule sets of the societies the person is a member of or attended a group of,
    and the ones they chose to follow."""
    societies = union(
        select(Membership.society_id).where(Membership.person_id == person_id),
        select(Group.society_id).join(GroupSession, GroupSession.group_id == Group.id)
        .join(Attendance, Attendance.session_id == GroupSession.id).where(Attendance.person_id == person_id),
    ).subquery()
    chosen = select(ParticipantChoice.rule_set_id).where(ParticipantChoice.person_id == person_id)
    statement = (select(RuleSet).where(RuleSet.audience == "participant",
                                       or_(RuleSet.society_id.in_(select(societies)), RuleSet.id.in_(chosen)))
                 .options(selectinload(RuleSet.versions).selectinload(RuleSetVersion.requirements))
                 .order_by(RuleSet.credential_title))
    return list(db.session.scalars(statement))


def credentials_of(person: Person, on: date) -> list[ParticipantCredential]:
    """The person's progress on every participant rule set that concerns them, on ``on``."""
    rule_sets = rule_sets_for(person.id)
    if not rule_sets:
        return []
    facts = record_facts(person.id, on)
    first = min((f.occurred_on for f in facts), default=None)
    result = []
    for rule_set in rule_sets:
        version = version_in_force(rule_set, on)
        if version is None:
            continue
        # A participant's "training" starts with their first session (for windows counted from it).
        report = evaluate(snapshot(version), facts, person_facts(person, first, on), on)
        result.append(ParticipantCredential(rule_set, version, report))
    return result


def credential_of(person: Person, rule_set_id: int, on: date) -> ParticipantCredential | None:
    return next((c for c in credentials_of(person, on) if c.rule_set.id == rule_set_id), None)


def others_to_follow(person_id: int) -> list[RuleSet]:
    """Participant rule sets of any society the person does not see yet (to choose from)."""
    shown = {r.id for r in rule_sets_for(person_id)}
    everyone = db.session.scalars(select(RuleSet).where(RuleSet.audience == "participant")
                                  .order_by(RuleSet.credential_title))
    return [r for r in everyone if r.id not in shown]


def follow(person_id: int, rule_set_id: int) -> ParticipantChoice:
    """The person follows a participant rule set (of any society); following it twice changes nothing."""
    rule_set = db.session.get(RuleSet, rule_set_id)
    if rule_set is None or rule_set.audience != "participant":
        raise NotFound(gettext("No such credential."))
    choice = db.session.scalar(select(ParticipantChoice).where(ParticipantChoice.person_id == person_id,
                                                              ParticipantChoice.rule_set_id == rule_set_id))
    if choice is None:
        choice = ParticipantChoice(person_id=person_id, rule_set_id=rule_set_id)
        db.session.add(choice)
        db.session.flush()
    return choice
