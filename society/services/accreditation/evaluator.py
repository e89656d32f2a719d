"""The rule-set evaluator: does a person's training meet a rule-set version on a day?

``evaluate`` is a pure function of plain data: a snapshot of the version, the person's
approved training records, a few facts about the person, and the day. No session, no
clock. Everything a society may change (minimums, units, windows, qualifiers,
alternatives) comes from the version's requirements; nothing here knows a society.

How records count towards a requirement:
- their kind is the requirement's kind or one of its ``also_counts`` kinds;
- units with minutes (``minutes_per_unit``: an hour is 60, a double session 90) are counted
  from the records' minutes, whatever unit the record was logged in; other units count
  the ``units`` of records logged in that same unit;
- qualifiers filter: ``requires_accredited_leader``, ``in_person_only``;
- windows: before / after training started, the N months up to the day, the 12 months up
  to the day; records dated after the day never count.
A requirement's ``constraints`` say what it asks beyond a minimum (rhythms, spans, shares, caps,
anchors, order, particular occurrences, who the supervisor must be, prerequisites): see
``constraints.py``. An advisory requirement is shown with its progress but never blocks.
A clause is met when every (non-advisory) requirement of at least one option that applies is met.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from .constraints import (Check, anchor_checks, anchored, one_group_check, prerequisite_check, record_filter,
                          rhythm_check)

CENT = Decimal("0.01")


# -- the inputs --------------------------------------------------------------------

@dataclass(frozen=True)
class RequirementRule:
    clause: int
    option: str
    label: str
    kind: str
    unit: str
    minimum: Decimal
    applies_if: str | None = None
    also_counts: tuple[str, ...] = ()
    minutes_per_unit: int | None = None
    window_kind: str = "none"
    window_months: int | None = None
    requires_accredited_leader: bool = False
    in_person_only: bool = False
    id: int | None = None
    # The label in other languages ({"sv": {"label": ...}}): for the reader, never for the rules.
    translations: dict | None = field(default=None, compare=False)
    code: str | None = None  # how other requirements of the version refer to this one
    advisory: bool = False  # shown with its progress, never blocks
    # What it asks beyond the minimum (constraints.py); a dict of plain data.
    constraints: dict | None = field(default=None, compare=False)
    # Where the rule comes from, when that was checked, and whether its figure could be read there.
    source: str | None = field(default=None, compare=False)
    checked_on: date | None = field(default=None, compare=False)
    unverified: bool = field(default=False, compare=False)

    @property
    def counted_kinds(self) -> tuple[str, ...]:
        return (self.kind, *self.also_counts)

    @property
    def rules(self) -> dict:
        return self.constraints or {}

    @property
    def is_prerequisite(self) -> bool:
        return "prerequisite" in self.rules


@dataclass(frozen=True)
class VersionRules:
    label: str
    requirements: tuple[RequirementRule, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    validity_months: int | None = None
    id: int | None = None
    society: str | None = None  # the code of the society whose rules these are ("membership_throughout": true)

    @property
    def counted_kinds(self) -> frozenset[str]:
        return frozenset(kind for requirement in self.requirements if not requirement.is_prerequisite
                         for kind in requirement.counted_kinds)

    @property
    def counted_units(self) -> dict[str, frozenset[str] | None]:
        """Per counted kind, the units some requirement counts it in (None: any unit, counted from
        minutes). A record in another unit counts towards nothing, whatever else it says."""
        units: dict[str, set[str] | None] = {}
        for requirement in self.requirements:
            if requirement.is_prerequisite:
                continue
            for kind in requirement.counted_kinds:
                if requirement.minutes_per_unit is not None:
                    units[kind] = None
                elif units.setdefault(kind, set()) is not None:
                    units[kind].add(requirement.unit)
        return {kind: None if named is None else frozenset(named) for kind, named in units.items()}

    @property
    def needs_each_day(self) -> bool:
        """Whether some requirement looks at more than kind, unit, in person, leader and window
        (a rhythm, a span, an anchor...): then records cannot be added up per window bucket."""
        return any(requirement.constraints for requirement in self.requirements)


@dataclass(frozen=True)
class RecordFact:
    """One approved training record, or several with the same facts added together."""

    kind: str
    occurred_on: date
    unit: str = "session"
    units: Decimal = Decimal(1)
    minutes: int = 0
    in_person: bool = True
    with_accredited_leader: bool = False
    group_closed: bool = False  # a closed group: it takes no new members (online sessions may need it)
    fixed_leader: bool = False  # a leader of the group has led it since the person's first record in it
    group_size: int | None = None  # the group's participants on the day (None: not known, or no group)
    # Who was there, as the rules ask: the credentials the supervisor and the co-leader held on the
    # day (rule-set codes), and whether the supervisor is on the society's own list.
    supervisor_credentials: tuple[str, ...] = ()
    co_leader_credentials: tuple[str, ...] = ()
    supervisor_listed: bool = False
    provider: str | None = None  # who ran an intensive or workshop (e.g. "BSANZ", "IBF", "ABS")
    days: int | None = field(default=None, metadata={"doc": "How many days it lasted (an intensive of 4 days: 4); "
                                                             "rules that ask a length in days read it."})
    group: str | None = field(default=None, metadata={"doc": "The group it took place in, as a name the ledger "
                                                              "keeps the same for every record of that group."})
    report_kind: str | None = None  # for reports: "six_monthly", "final", "co_leader"...
    tags: tuple[str, ...] = ()  # further facts a rule set names (study_conference, recording_reviewed...)


@dataclass(frozen=True)
class Qualification:
    code: str  # e.g. "psychotherapy" (Zusatzbezeichnung Psychotherapie or Psychoanalyse)
    obtained_on: date
    training_started_on: date | None = field(default=None, metadata={
        "doc": "The day the training leading to it began, if known (no later than obtained_on)."})

    def __post_init__(self):
        if self.training_started_on is not None and self.obtained_on is not None \
                and self.training_started_on > self.obtained_on:
            raise ValueError(f"the training of {self.code} cannot begin after it was obtained")


@dataclass(frozen=True)
class HeldCredential:
    code: str  # a rule set's code, e.g. "anz-leader"
    held_from: date
    held_until: date | None = None


@dataclass(frozen=True)
class MembershipSpan:
    society: str  # the society's code
    joined_on: date
    left_on: date | None = None


@dataclass(frozen=True)
class PersonFacts:
    psychodynamically_trained: bool = False
    psychotherapy_qualified: bool = False
    training_started_on: date | None = None
    qualifications: tuple[Qualification, ...] = ()
    credentials: tuple[HeldCredential, ...] = ()
    memberships: tuple[MembershipSpan, ...] = ()
    conditions: tuple[str, ...] = ()  # further recorded conditions, e.g. "indemnity_insured"

    def satisfies(self, condition: str | None) -> bool:
        if condition is None:
            return True
        if condition == "psychodynamically_trained":
            return self.psychodynamically_trained
        if condition == "psychotherapy_qualified":
            return self.psychotherapy_qualified
        return condition in self.conditions  # an unknown condition never applies: fail closed

    def qualified_on(self, code: str) -> date | None:
        days = [q.obtained_on for q in self.qualifications if q.code == code]
        return min(days) if days else None

    def training_started_for(self, code: str) -> date | None:
        """The day the training of qualification ``code`` began, the earliest recorded (None: not known)."""
        days = [q.training_started_on for q in self.qualifications if q.code == code and q.training_started_on]
        return min(days) if days else None

    def credential_since(self, code: str, on: date | None = None) -> date | None:
        """Since when the credential has been held without a gap up to ``on`` (any time if no ``on``)."""
        spans = [c for c in self.credentials if c.code == code
                 and (on is None or (c.held_from <= on and (c.held_until is None or c.held_until >= on)))]
        return min((c.held_from for c in spans), default=None)

    def member_throughout(self, society: str, since: date, until: date) -> bool:
        """Whether memberships of ``society`` cover every day from ``since`` to ``until``."""
        covered = since
        for span in sorted((m for m in self.memberships if m.society == society), key=lambda m: m.joined_on):
            if span.joined_on > covered:
                return False
            if span.left_on is None or span.left_on >= until:
                return True
            covered = max(covered, span.left_on + timedelta(days=1))
        return False


# -- the report --------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """The days whose records count, both ends inclusive; no ``end`` means none count."""

    kind: str
    start: date | None
    end: date | None

    def contains(self, day: date) -> bool:
        return self.end is not None and day <= self.end and (self.start is None or day >= self.start)


@dataclass(frozen=True)
class RequirementProgress:
    requirement: RequirementRule
    counted: Decimal
    missing: Decimal
    met: bool
    window: Window
    checks: tuple[Check, ...] = ()  # what the requirement asks beyond its minimum, each with its verdict
    share: Decimal | None = None  # for a share: the current share of the counted total
    capped: Decimal | None = None  # for a cap: how much of ``counted`` the capped records make

    @property
    def minimum(self) -> Decimal:
        return self.requirement.minimum

    @property
    def advisory(self) -> bool:
        return self.requirement.advisory

    @property
    def blocks(self) -> bool:
        """Whether this requirement keeps its option from being met."""
        return not self.met and not self.requirement.advisory

    @property
    def short_periods(self) -> tuple[tuple[date, date], ...]:
        return tuple(span for check in self.checks for span in check.short_periods)

    @property
    def percent(self) -> int:
        return min(100, int(self.counted * 100 / self.minimum)) if self.minimum else 100


@dataclass(frozen=True)
class OptionProgress:
    option: str
    applies: bool
    conditions: tuple[str, ...]
    met: bool
    requirements: tuple[RequirementProgress, ...]


@dataclass(frozen=True)
class ClauseProgress:
    clause: int
    met: bool
    satisfied_by: str | None  # the option that meets the clause
    options: tuple[OptionProgress, ...]

    @property
    def has_alternatives(self) -> bool:
        return len(self.options) > 1


@dataclass(frozen=True)
class ProgressReport:
    version_label: str
    on: date
    met: bool
    clauses: tuple[ClauseProgress, ...]

    @property
    def requirements(self) -> tuple[RequirementProgress, ...]:
        return tuple(r for clause in self.clauses for option in clause.options for r in option.requirements)

    @property
    def clauses_met(self) -> int:
        return sum(1 for clause in self.clauses if clause.met)


# -- evaluation --------------------------------------------------------------------

def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the last day of the month when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when it has fewer days)."""
    return months_before(day, -months)


def window_for(requirement: RequirementRule, person: PersonFacts, on: date) -> Window:
    kind, started = requirement.window_kind, person.training_started_on
    if kind == "before_training":
        end = on if started is None else min(on, started - timedelta(days=1))
        return Window(kind, None, end)
    if kind == "after_training":
        return Window(kind, started, on if started is not None else None)
    if kind in ("rolling_months", "per_year"):
        months = 12 if kind == "per_year" else (requirement.window_months or 0)
        return Window(kind, months_before(on, months) + timedelta(days=1), on)
    return Window("none", None, on)


def counts_toward(requirement: RequirementRule, record: RecordFact) -> bool:
    return (
        record.kind in requirement.counted_kinds
        and (requirement.minutes_per_unit is not None or record.unit == requirement.unit)
        and (not requirement.requires_accredited_leader or record.with_accredited_leader)
        and (not requirement.in_person_only or record.in_person)
    )


def counted_amount(requirement: RequirementRule, records: Iterable[RecordFact], window: Window) -> Decimal:
    """What the records in the window add up to, in the requirement's unit (rounded down to cents)."""
    matching = [r for r in records if window.contains(r.occurred_on) and counts_toward(requirement, r)]
    if requirement.minutes_per_unit is not None:
        # Sum first, divide once: three 30-minute sessions are exactly one 90-minute unit.
        total = Decimal(sum(r.minutes for r in matching)) / Decimal(requirement.minutes_per_unit)
    else:
        total = sum((Decimal(r.units) for r in matching), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_DOWN)


def amount_of(requirement: RequirementRule, records: list[RecordFact]) -> Decimal:
    """What ``records`` (already known to count) add up to, in the requirement's unit."""
    if requirement.minutes_per_unit is not None:
        total = Decimal(sum(r.minutes for r in records)) / Decimal(requirement.minutes_per_unit)
    else:
        total = sum((Decimal(r.units) for r in records), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_DOWN)


def matching_records(requirement: RequirementRule, records: list[RecordFact], window: Window) -> list[RecordFact]:
    """The records in the window that count for the requirement, before anchors and caps."""
    return _only(requirement, _counting(requirement, records, window))


def _counting(requirement: RequirementRule, records: list[RecordFact], window: Window) -> list[RecordFact]:
    """The records in the window that count for the requirement by kind, unit and qualifiers."""
    start, end = window.start, window.end
    if end is None:
        return []
    unit = None if requirement.minutes_per_unit is not None else requirement.unit
    kinds = requirement.counted_kinds
    leader, in_person = requirement.requires_accredited_leader, requirement.in_person_only
    # counts_toward and Window.contains, inlined: this loop runs once per record and requirement.
    return [r for r in records
            if r.occurred_on <= end and (start is None or r.occurred_on >= start) and r.kind in kinds
            and (unit is None or r.unit == unit) and (not leader or r.with_accredited_leader)
            and (not in_person or r.in_person)]


def _only(requirement: RequirementRule, records: list[RecordFact]) -> list[RecordFact]:
    """The records its ``only`` filter lets count."""
    test = record_filter(requirement.rules.get("only"))
    return records if test is None else [r for r in records if test(r)]


def _requirement_progress(requirement, person, on, steps) -> RequirementProgress:
    window = window_for(requirement, person, on)
    rules = requirement.rules
    if "prerequisite" in rules:
        check = prerequisite_check(rules["prerequisite"], person, on, steps.society, steps.first_day)
        return RequirementProgress(requirement, Decimal(int(check.met)), Decimal(int(not check.met)), check.met,
                                   window, (check,))
    matching = anchored(steps.matching(requirement, window), rules, person, steps.first_day)
    counted, share, capped, checks = amount_of(requirement, matching), None, None, anchor_checks(rules, person)
    if "one_group" in rules:
        checks.append(_one_group(requirement, matching, rules["one_group"]))
    if "cap" in rules:
        counted, capped, check = _capped(requirement, matching, rules["cap"])
        checks.append(check)
    if "share" in rules:
        share, check = _share(requirement, matching, counted, rules["share"])
        checks.append(check)
    checks += _occurrence_checks(matching, rules, on, steps)
    if "rhythm" in rules:
        checks.append(rhythm_check(rules["rhythm"], _each_amount(requirement, matching), person, on))
    met = counted >= requirement.minimum and all(check.met for check in checks)
    return RequirementProgress(requirement, counted, max(Decimal(0), requirement.minimum - counted), met, window,
                               tuple(checks), share, capped)


def _each_amount(requirement, records) -> list[tuple[date, Decimal]]:
    """Each record's day and amount (``amount_of`` of the record alone), worked out once per
    distinct minutes or units."""
    by_minutes = requirement.minutes_per_unit is not None
    amounts: dict = {}
    each = []
    for record in records:
        size = record.minutes if by_minutes else record.units
        amount = amounts.get(size)
        if amount is None:
            amount = amounts[size] = amount_of(requirement, [record])
        each.append((record.occurred_on, amount))
    return each


def _split(matching, where) -> tuple[list, list]:
    """The records that match the filter ``where``, and the others."""
    test = record_filter(where)
    if test is None:
        return list(matching), []
    inside, outside = [], []
    for record in matching:
        (inside if test(record) else outside).append(record)
    return inside, outside


def _capped(requirement, matching, cap) -> tuple[Decimal, Decimal, Check]:
    """Records matching the cap's filter count for at most ``max_share`` of the counted total."""
    limited, others = _split(matching, cap.get("where"))
    rest = amount_of(requirement, others)
    share = Decimal(str(cap["max_share"]))
    raw = amount_of(requirement, limited)
    allowed = raw if share >= 1 else min(raw, (rest * share / (1 - share)).quantize(CENT, rounding=ROUND_DOWN))
    return rest + allowed, allowed, Check("cap", True, str(allowed), str(share))


def _share(requirement, matching, counted, rule) -> tuple[Decimal, Check]:
    part = amount_of(requirement, _split(matching, rule.get("where"))[0])
    share = (part / counted).quantize(CENT, rounding=ROUND_DOWN) if counted else Decimal(0)
    need = Decimal(str(rule["min_share"]))
    return share, Check("share", counted > 0 and part >= need * counted, str(share), str(need))


def _one_group(requirement, matching, rule) -> Check:
    """How much of the counted records one group holds (the largest), against the whole."""
    by_group: dict[str, list[RecordFact]] = {}
    for record in matching:
        if record.group is not None:
            by_group.setdefault(record.group, []).append(record)
    return one_group_check(rule, amount_of(requirement, matching),
                           {group: amount_of(requirement, records) for group, records in by_group.items()})


def _occurrence_checks(matching, rules, on, steps) -> list[Check]:
    checks = []
    days = sorted({r.occurred_on for r in matching})
    for name, pick in (("first", 0), ("last", -1)):
        if name in rules:
            spec = rules[name]
            test = record_filter(spec)
            occurrence = [r for r in matching if r.occurred_on == days[pick]] if days else []
            held = bool(days) and (test is None or all(test(r) for r in occurrence))
            if spec and "min_days" in spec:
                # How long it lasted, as the report says it ("the first lasted 3 days; 4 needed").
                lengths = [r.days for r in occurrence]
                have = None if not lengths or None in lengths else str(min(lengths))
                checks.append(Check(name, held, have, str(spec["min_days"])))
            else:
                checks.append(Check(name, held))
    if "span_months" in rules:
        months = int(rules["span_months"])
        held = bool(days) and add_months(days[0], months) <= days[-1]
        spanned = 0 if not days else (days[-1].year - days[0].year) * 12 + days[-1].month - days[0].month
        checks.append(Check("span", held, str(spanned), str(months)))
    if "order_before" in rules:
        other = steps.first_day(rules["order_before"])
        held = bool(days) and (other is None or days[0] <= other)
        checks.append(Check("order", held, rules["order_before"], steps.label(rules["order_before"])))
    return checks


class _Steps:
    """The version's requirements by code, to anchor windows and orders on another step's first record;
    the records each requirement counts, worked out once however often they are asked for."""

    def __init__(self, version: "VersionRules", records: Iterable[RecordFact], person: PersonFacts, on: date):
        self.by_code = {r.code: r for r in version.requirements if r.code}
        self.person, self.on, self.society = person, on, version.society
        # Records by kind, so each requirement looks only at the kinds it counts; records after the
        # day never count.
        self.by_kind: dict[str, list[RecordFact]] = {}
        for record in records:
            if record.occurred_on <= on:
                self.by_kind.setdefault(record.kind, []).append(record)
        self._first_days: dict[str, date | None] = {}
        # Several requirements often count the same records (one kind, unit, qualifiers and window,
        # then each its own filter, cap or share): the shared part is filtered once.
        self._counting: dict[tuple, list[RecordFact]] = {}
        self._matching: dict[int, list[RecordFact]] = {}

    def candidates(self, requirement: RequirementRule) -> list[RecordFact]:
        kinds = requirement.counted_kinds
        if len(kinds) == 1:
            return self.by_kind.get(kinds[0], [])
        return [record for kind in dict.fromkeys(kinds) for record in self.by_kind.get(kind, [])]

    def matching(self, requirement: RequirementRule, window: Window) -> list[RecordFact]:
        """``matching_records`` of the requirement among all the records (not to be changed)."""
        if id(requirement) not in self._matching:
            unit = None if requirement.minutes_per_unit is not None else requirement.unit
            key = (requirement.counted_kinds, unit, requirement.requires_accredited_leader,
                   requirement.in_person_only, window.start, window.end)
            if key not in self._counting:
                self._counting[key] = _counting(requirement, self.candidates(requirement), window)
            self._matching[id(requirement)] = _only(requirement, self._counting[key])
        return self._matching[id(requirement)]

    def label(self, code: str) -> str:
        requirement = self.by_code.get(code)
        return requirement.label if requirement is not None else code

    def first_day(self, code: str) -> date | None:
        if code not in self._first_days:
            requirement = self.by_code.get(code)
            if requirement is None or requirement.is_prerequisite:
                self._first_days[code] = None
            else:
                window = window_for(requirement, self.person, self.on)
                self._first_days[code] = min((r.occurred_on for r in self.matching(requirement, window)), default=None)
        return self._first_days[code]


def evaluate(version: VersionRules, records: Iterable[RecordFact], person: PersonFacts, on: date) -> ProgressReport:
    """Whether ``records`` meet ``version`` on ``on``, clause by clause, with what is missing."""
    steps = _Steps(version, records, person, on)
    by_clause: dict[int, dict[str, list[RequirementRule]]] = {}
    for requirement in version.requirements:
        by_clause.setdefault(requirement.clause, {}).setdefault(requirement.option, []).append(requirement)
    clauses = []
    for clause in sorted(by_clause):
        options = []
        for option in sorted(by_clause[clause]):
            rules = by_clause[clause][option]
            progress = tuple(_requirement_progress(rule, person, on, steps) for rule in rules)
            conditions = tuple(sorted({rule.applies_if for rule in rules if rule.applies_if}))
            applies = all(person.satisfies(condition) for condition in conditions)
            options.append(OptionProgress(option, applies, conditions,
                                          applies and not any(p.blocks for p in progress), progress))
        satisfied_by = next((o.option for o in options if o.met), None)
        clauses.append(ClauseProgress(clause, satisfied_by is not None, satisfied_by, tuple(options)))
    # A version without requirements asks for nothing a leader could show: it is never "met".
    met = bool(clauses) and all(clause.met for clause in clauses)
    return ProgressReport(version.label, on, met, tuple(clauses))


# -- from the models ---------------------------------------------------------------

def snapshot(version) -> VersionRules:
    """Plain, frozen rules from a RuleSetVersion model (persistent or not)."""
    return VersionRules(
        id=version.id, label=version.label, effective_from=version.effective_from,
        effective_to=version.effective_to, validity_months=version.validity_months,
        society=_society_code(version),
        requirements=tuple(
            RequirementRule(
                id=r.id, clause=r.clause if r.clause is not None else 1, option=r.option or "a", label=r.label,
                kind=r.kind, unit=r.unit, minimum=Decimal(r.minimum), applies_if=r.applies_if,
                also_counts=tuple(k for k in r.counted_kinds[1:] if k != r.kind),
                minutes_per_unit=r.minutes_per_unit, window_kind=r.window_kind or "none",
                window_months=r.window_months, requires_accredited_leader=bool(r.requires_accredited_leader),
                in_person_only=bool(r.in_person_only), translations=r.translations,
                code=r.code, advisory=bool(r.advisory), constraints=r.constraints or None, source=r.source,
                checked_on=r.source_checked_on, unverified=bool(r.unverified),
            )
            for r in version.requirements
        ),
    )


def _society_code(version) -> str | None:
    rule_set = version.rule_set
    return rule_set.society.code if rule_set is not None and rule_set.society is not None else None


def person_facts(person, training_started_on: date | None, on: date) -> PersonFacts:
    """The person's facts from the database: see ``facts.person_facts`` (kept here for its callers)."""
    from .facts import person_facts as from_database
    return from_database(person, training_started_on, on)
