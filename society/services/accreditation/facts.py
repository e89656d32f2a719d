"""What the evaluator needs to know, read from the database in a few set-based queries.

``person_facts``: the person's qualifications, conditions, society memberships and the credentials
they hold (accreditations granted, with their rule set's code). ``record_facts``: the approved
records one by one, only those whose kind and unit some requirement counts (no other can change a
verdict), each with who was there as the rules ask:
- ``supervisor_credentials``: the rule-set codes of the accreditations the record's supervisor
  held on the record's day;
- ``supervisor_listed``: the supervisor was on the list of supervisors kept by the rule set's own
  society (``supervisor_listings``, ``services/accreditation/supervisor_list.py``) on that day;
- ``co_leader_credentials``: what the other leaders of the record's group, leading it on that day,
  held on that day;
- ``group_closed``: the record's group took no new members on the record's day (``group_openness``,
  the dated history of ``groups.accepting_members``, ``services/groups/openness.py``);
- ``fixed_leader``: one leader of the record's group (someone else than the person) led it on every day
  from the person's first record in that group to this record's day (``group_leaders``' dates);
- ``group_size``: the group's participants on the record's day (``group_participants``' dates);
- ``provider``, ``report_kind``, ``tags``: the record's own columns (tags stored comma-separated),
  read only when some rule filters on them; ``days`` (how many days it lasted) likewise;
- ``group``: which group it took place in, for a rule that asks most of the records from one group
  (``one_group``): ``#<id>`` for a group of the registry, else the name an imported ledger gave
  (``outside_group``).
At most six queries whatever the number of records (the records; the groups with their leaders;
their openness history; their participants; the credentials of everyone named; the listings of the
supervisors named), each only when some rule looks at what it reads: none per record.
"""
from bisect import bisect_right
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import String, and_, bindparam, null, or_, select, true, type_coerce

from ...extensions import db
from ...models import Accreditation, Group, GroupLeader, GroupParticipant, Membership, RuleSet, RuleSetVersion, Society, TrainingRecord
from ...models.accreditation import ENDED_BY_DECISION, VALID_ONCE_STATUSES
from ...models.training import split_tags
from ..groups.openness import closed_days, closed_on
from ..membership.qualifications import verified_qualifications
from .evaluator import HeldCredential, MembershipSpan, PersonFacts, Qualification, RecordFact, VersionRules
from .supervisor_list import listed_days, listed_on

# Recorded qualifications that the published rules name by another word: the DBG asks "a
# psychotherapy qualification (Zusatzbezeichnung Psychotherapie or Psychoanalyse, or a relevant
# specialist title)": the specialist title in psychosomatic medicine and psychotherapy is one (a
# specialist in psychiatry alone is not named: which other titles are relevant the DBG does not
# list); the UK pathway rule asks "psychoanalytic or psychodynamic training".
QUALIFICATION_ALIASES = {"psychoanalysis": ("psychotherapy", "psychodynamic_training"),
                         "psychosomatic_specialist": ("psychotherapy",)}
CONDITION_ALIASES = {"psychodynamic_training": ("psychodynamically_trained",),
                     "psychoanalysis": ("psychodynamically_trained",)}


def person_facts(person, training_started_on: date | None, on: date) -> PersonFacts:
    """The facts about ``person`` the rules look at, as known on ``on``."""
    return people_facts([(person, training_started_on)], on)[person.id]


def people_facts(people: list[tuple], on: date) -> dict[int, PersonFacts]:
    """The facts of each (person, training started on), by person id, in three queries whatever
    their number: the two facts on the person's row, the qualifications an administrator other
    than the person verified, memberships and the credentials held."""
    ids = [person.id for person, _started in people]
    verified = verified_qualifications(ids)
    credentials = credentials_of(ids)
    memberships: dict[int, list[MembershipSpan]] = defaultdict(list)
    for person_id, code, joined, ended in db.session.execute(
            select(Membership.person_id, Society.code, Membership.joined_on, Membership.ended_on)
            .join(Society, Membership.society_id == Society.id)
            .where(Membership.person_id.in_(ids)).order_by(Membership.joined_on)):
        memberships[person_id].append(MembershipSpan(code, joined, ended))
    facts = {}
    for person, training_started_on in people:
        qualifications, conditions = _recorded(person, verified.get(person.id, []), on)
        facts[person.id] = PersonFacts(
            psychodynamically_trained="psychodynamically_trained" in conditions,
            psychotherapy_qualified=any(q.code == "psychotherapy" and q.obtained_on <= on for q in qualifications),
            training_started_on=training_started_on, qualifications=qualifications, conditions=conditions,
            memberships=tuple(memberships.get(person.id, ())), credentials=tuple(credentials.get(person.id, ())))
    return facts


def _recorded(person, verified: list[tuple[str, date, date | None]], on: date) -> tuple[tuple[Qualification, ...], tuple[str, ...]]:
    qualified_on = person.psychotherapy_qualified_on
    qualifications = [Qualification("psychotherapy", qualified_on)] if qualified_on else []
    conditions = {"psychodynamically_trained"} if person.psychodynamically_trained else set()
    for code, obtained_on, training_started_on in verified:
        qualifications += [Qualification(alias, obtained_on, training_started_on)
                           for alias in (code, *QUALIFICATION_ALIASES.get(code, ()))]
        if obtained_on <= on:  # a recorded fact is a condition from its day on
            conditions.update((code, *CONDITION_ALIASES.get(code, ())))
    return tuple(qualifications), tuple(sorted(conditions))


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


def filter_keys(rules: VersionRules) -> set[str]:
    """Every record fact some filter of ``rules`` looks at (``only``, a cap's or share's ``where``,
    ``first``, ``last``, nested ``any_of``)."""
    keys: set[str] = set()

    def walk(spec):
        if isinstance(spec, dict):
            keys.update(spec)
            for option in spec.get("any_of", ()):
                walk(option)

    for requirement in rules.requirements:
        constraints = requirement.rules
        for name in ("only", "first", "last"):
            walk(constraints.get(name))
        for name in ("cap", "share"):
            walk((constraints.get(name) or {}).get("where"))
    return keys


TRUE = (True, 1, "1")  # a boolean as the drivers give it, read without type processing


def record_facts(person_id: int, rules: VersionRules, on: date) -> list[RecordFact]:
    """The person's approved records up to ``on`` that some requirement of ``rules`` counts (its kind
    and unit are counted by one). Who was there (supervisors, co-leaders, the group) is read only
    when some rule looks at it."""
    counted = rules.counted_units
    if not counted:
        return []
    needs = _Needs(filter_keys(rules), one_group=_asks_one_group([rules]))
    fetched = _fetch(_records_statement(_shape(counted), needs.supervisor, needs.group_column, needs.facts,
                                        needs.days, needs.one_group),
                     {"person_id": person_id, "on": on})
    return _facts(fetched, person_id, needs, _Lookups.read(fetched, needs, rules.society, person_id))


def records_of_people(person_ids: list[int], versions: list[VersionRules], on: date) -> dict[int, list[RecordFact]]:
    """``record_facts`` for many people judged under any of ``versions`` (of one rule set), by person, in
    the same fixed number of queries as for one: the what-if's candidates see who was there as their
    progress pages do."""
    counted: dict[str, frozenset[str] | None] = {}
    for rules in versions:
        for kind, units in rules.counted_units.items():
            if units is None or (kind in counted and counted[kind] is None):
                counted[kind] = None
            else:
                counted[kind] = (counted.get(kind) or frozenset()) | units
    if not counted or not person_ids:
        return {}
    needs = _Needs(set().union(*(filter_keys(rules) for rules in versions)), one_group=_asks_one_group(versions))
    fetched = _fetch(_records_statement(_shape(counted), needs.supervisor, needs.group_column, needs.facts,
                                        needs.days, needs.one_group, many=True),
                     {"person_ids": sorted(set(person_ids)), "on": on})
    lookups = _Lookups.read(fetched, needs, versions[0].society)
    by_person: dict[int, list] = defaultdict(list)
    for row in fetched:
        by_person[row[ROW_LENGTH]].append(row[:ROW_LENGTH])
    return {person_id: _facts(rows, person_id, needs, lookups) for person_id, rows in by_person.items()}


def _asks_one_group(versions) -> bool:
    return any("one_group" in requirement.rules for rules in versions for requirement in rules.requirements)


def _shape(counted: dict) -> tuple:
    return tuple(sorted((kind, None if units is None else tuple(sorted(units))) for kind, units in counted.items()))


def _fetch(statement, parameters: dict) -> list[tuple]:
    result = db.session.connection().execute(statement, parameters)
    try:
        # Every column is read as the driver gives it (type_coerce in the statement): the driver's own
        # tuples save building a Row per record, which is most of the cost at thousands of records.
        return result.cursor.fetchall()
    finally:
        result.close()


class _Needs:
    """Which facts about who was there the rules look at (the rest is not read)."""

    def __init__(self, keys: set[str], one_group: bool = False):
        self.keys = keys
        self.one_group = one_group  # which group each record took place in
        self.days = "min_days" in keys
        self.supervisor = bool(keys & {"supervisor_credential", "supervisor_listed"})
        self.credentials = bool(keys & {"supervisor_credential", "co_leader_credential"})
        self.size = bool(keys & {"min_group_size", "max_group_size"})
        self.group = self.size or bool(keys & {"co_leader_credential", "group_closed", "fixed_leader"})
        self.group_column = self.group or one_group
        self.facts = bool(keys & {"provider_in", "report_kind", "tags_any", "tags_none"})
        self.fixed = "fixed_leader" in keys
        self.closed = "group_closed" in keys
        self.listed = "supervisor_listed" in keys


class _Lookups:
    """Groups with their leaders, openness history and participants, credentials and supervisors'
    listings of everyone the fetched records name: one query each, only those the rules need."""

    def __init__(self, groups: dict, participants: dict, held: "_Held", listed: dict, openness: dict):
        self.groups, self.participants, self.held, self.listed = groups, participants, held, listed
        self.openness = openness

    @classmethod
    def read(cls, fetched: list[tuple], needs: _Needs, society: str | None, person_id: int | None = None) -> "_Lookups":
        groups = (groups_with_leaders({row[8] for row in fetched if row[8] is not None}, person_id)
                  if needs.group else {})
        participants = participants_of(set(groups)) if needs.size else {}
        openness = closed_days(set(groups)) if needs.closed else {}
        supervisors = {row[7] for row in fetched if row[7] is not None}
        named = supervisors | {leader for _, leaders in groups.values() for leader, _, _ in leaders}
        credentials = credentials_of(named) if named and needs.credentials else {}
        # The society's own list, on the record's day: the rule set's society (none known: nobody is listed).
        listed = listed_days(society, supervisors) if needs.listed else {}
        return cls(groups, participants, _Held(credentials), listed, openness)


def _facts(fetched: list[tuple], person_id: int, needs: _Needs, lookups: _Lookups) -> list[RecordFact]:
    """The person's fetched rows as RecordFacts, with who was there as ``lookups`` tells it."""
    # A group's co-leaders and fixed leader are its leaders other than the person.
    groups = {group_id: (closed, [leader for leader in leaders if leader[0] != person_id])
              for group_id, (closed, leaders) in lookups.groups.items()}
    first_in_group = _first_days(fetched) if needs.fixed else {}
    supervisors, listed, participants, openness = lookups.held, lookups.listed, lookups.participants, lookups.openness
    co_leaders = _CoLeaders(groups, supervisors)
    with_fixed, with_size, with_group_key, with_closed = needs.fixed, needs.size, needs.one_group, needs.closed
    # Thousands of records share a few hundred days and a handful of amounts and tag lists: each
    # is parsed once (a numeric column gives one representation per value, so equal amounts read
    # alike are the same Decimal).
    days: dict = {}
    amounts: dict = {}
    tag_lists: dict = {}
    closed_memo: dict = {}  # (group, day): closed to new members that day
    new, fact = object.__new__, RecordFact
    facts = []
    for (kind, unit, in_person, accredited, day, units, minutes, supervisor_id, group_id,
         provider, report_kind, tags, days_long, outside_group) in fetched:
        occurred_on = days.get(day)
        if occurred_on is None:
            occurred_on = days[day] = day if isinstance(day, date) else date.fromisoformat(day)
        amount = amounts.get(units)
        if amount is None:
            amount = amounts[units] = Decimal(str(units))
        values = {"kind": kind, "unit": unit, "occurred_on": occurred_on, "units": amount,
                  "minutes": int(minutes or 0), "in_person": in_person in TRUE, "with_accredited_leader": accredited in TRUE}
        if supervisor_id is not None:
            values["supervisor_credentials"] = supervisors.on(supervisor_id, occurred_on)
            values["supervisor_listed"] = listed_on(listed.get(supervisor_id, ()), occurred_on)
        if group_id is not None:
            if with_closed:
                closed = closed_memo.get((group_id, occurred_on))
                if closed is None:
                    closed = closed_memo[group_id, occurred_on] = closed_on(
                        openness.get(group_id), occurred_on, groups.get(group_id, (False, ()))[0])
                values["group_closed"] = closed
            if with_fixed:
                values["fixed_leader"] = fixed_leader(groups, group_id, first_in_group[group_id], occurred_on)
            if with_size:
                values["group_size"] = size_on(participants, group_id, occurred_on)
            values["co_leader_credentials"] = co_leaders.on(group_id, occurred_on)
            if with_group_key:
                values["group"] = f"#{group_id}"
        elif outside_group is not None:
            values["group"] = outside_group
        if days_long is not None:
            values["days"] = int(days_long)
        if provider is not None:
            values["provider"] = provider
        if report_kind is not None:
            values["report_kind"] = report_kind
        if tags:
            values["tags"] = tag_lists.get(tags) or tag_lists.setdefault(tags, split_tags(tags))
        # A frozen dataclass's __init__ sets each field through object.__setattr__; filling its
        # __dict__ at once is the same object, several times faster for thousands of records (the
        # fields left out keep their defaults, which a dataclass holds as class attributes).
        instance = new(fact)
        instance.__dict__.update(values)
        facts.append(instance)
    return facts


ROW_LENGTH = 14  # the columns of a record's row, before the person's id (``many``)


@lru_cache(maxsize=256)
def _records_statement(counted: tuple, with_supervisor: bool, with_group: bool, with_facts: bool,
                       with_days: bool = False, with_outside_group: bool = False, many: bool = False):
    """The records query for ``counted`` ((kind, units or None for any unit), ...), built once per
    shape: the person (``many``: the people, with each record's person last) and the day are parameters."""
    record = TrainingRecord
    # Record by record (most days hold one record anyway), in plain values: read without the ORM and
    # without per-value type processing, for thousands of rows; the day and amount are parsed below.
    raw = [type_coerce(column, String) for column in (
        record.kind, record.unit, record.in_person, record.with_accredited_leader, record.occurred_on, record.units)]
    # A record whose kind and unit no requirement counts counts towards nothing: it is not read.
    any_unit = [kind for kind, units in counted if units is None]
    kind_and_unit = or_(*([record.kind.in_(any_unit)] if any_unit else []),
                        *(and_(record.kind == kind, record.unit.in_(units)) for kind, units in counted if units))
    whose = (record.person_id.in_(bindparam("person_ids", expanding=True)) if many
             else record.person_id == bindparam("person_id"))
    return (
        select(*raw, type_coerce(record.minutes, String),
               type_coerce(record.supervisor_id, String) if with_supervisor else null(),
               type_coerce(record.group_id, String) if with_group else null(),
               *((record.provider, record.report_kind, record.tags) if with_facts else (null(), null(), null())),
               type_coerce(record.days, String) if with_days else null(),
               record.outside_group if with_outside_group else null(),
               *((record.person_id,) if many else ()))
        .where(whose, record.status == "approved", record.occurred_on <= bindparam("on"), kind_and_unit)
    )


class _Held:
    """The credentials a person held on a day, worked out once per stretch of days in which nothing
    changes (a grant, an expiry), not once per record."""

    def __init__(self, credentials: dict[int, list[HeldCredential]]):
        self.credentials = credentials
        self.changes = {person: sorted({c.held_from for c in held} | {c.held_until + timedelta(days=1)
                                                                         for c in held if c.held_until})
                        for person, held in credentials.items()}
        self.memo: dict[tuple[int, int], tuple[str, ...]] = {}

    def on(self, person_id: int, day: date) -> tuple[str, ...]:
        key = (person_id, bisect_right(self.changes.get(person_id, ()), day))
        if key not in self.memo:
            self.memo[key] = _held_on(self.credentials.get(person_id, []), day)
        return self.memo[key]


class _CoLeaders:
    """What the other leaders of a group held on a day, once per stretch of days with no change."""

    def __init__(self, groups: dict, held: _Held):
        self.groups, self.held = groups, held
        self.changes = {}
        for group_id, (_closed, leaders) in groups.items():
            days = set()
            for leader, starts, ends in leaders:
                days.add(starts)
                if ends:
                    days.add(ends + timedelta(days=1))
                days.update(held.changes.get(leader, ()))
            self.changes[group_id] = sorted(days)
        self.memo: dict[tuple[int, int], tuple[str, ...]] = {}

    def on(self, group_id: int, day: date) -> tuple[str, ...]:
        key = (group_id, bisect_right(self.changes.get(group_id, ()), day))
        if key not in self.memo:
            leaders = self.groups.get(group_id, (False, ()))[1]
            self.memo[key] = tuple(sorted({code for leader, starts, ends in leaders
                                           if starts <= day and (ends is None or ends >= day)
                                           for code in self.held.on(leader, day)}))
        return self.memo[key]


def _first_days(fetched) -> dict:
    """The day of the person's first record in each group (rows as ``record_facts`` reads them)."""
    first: dict = {}
    for row in fetched:
        if row[8] is not None:
            day = row[4] if isinstance(row[4], date) else date.fromisoformat(row[4])
            first[row[8]] = min(day, first.get(row[8], day))
    return first


def fixed_leader(groups: dict, group_id: int, since: date, day: date) -> bool:
    """Whether one of the group's leaders (as ``groups_with_leaders`` gives them) led it on every day
    from ``since`` to ``day``."""
    leaders = groups.get(group_id, (False, ()))[1]
    return any(starts <= since and (ends is None or ends >= day) for _leader, starts, ends in leaders)


def participants_of(group_ids: set[int]) -> dict[int, list[tuple[date, date | None]]]:
    """Per group, its participants' first and last days, in one query."""
    found: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    if group_ids:
        for group_id, starts_on, ends_on in db.session.execute(
                select(GroupParticipant.group_id, GroupParticipant.starts_on, GroupParticipant.ends_on)
                .where(GroupParticipant.group_id.in_(sorted(group_ids)))):
            found[group_id].append((starts_on, ends_on))
    return found


def size_on(participants: dict, group_id: int, day: date) -> int:
    """How many took part in the group on ``day``."""
    return sum(1 for starts, ends in participants.get(group_id, ()) if starts <= day and (ends is None or ends >= day))


def groups_with_leaders(group_ids: set[int], person_id: int | None) -> dict[int, tuple[bool, list[tuple[int, date, date | None]]]]:
    """Per group: whether it is closed to new members now (its setting: the state on a day is
    ``openness.closed_on``), and its leaders other than ``person_id`` (None: every leader) with their
    dates, in one query."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        select(Group.id, Group.accepting_members, GroupLeader.person_id, GroupLeader.starts_on, GroupLeader.ends_on)
        .outerjoin(GroupLeader, (GroupLeader.group_id == Group.id)
                   & (GroupLeader.person_id != person_id if person_id is not None else true()))
        .where(Group.id.in_(sorted(group_ids)))
    )
    groups: dict[int, tuple[bool, list]] = {}
    for group_id, accepting, leader_id, starts_on, ends_on in rows:
        closed, leaders = groups.setdefault(group_id, (not accepting, []))
        if leader_id is not None:
            leaders.append((leader_id, starts_on, ends_on))
    return groups
