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
A clause is met when every requirement of at least one option that applies is met.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

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

    @property
    def counted_kinds(self) -> tuple[str, ...]:
        return (self.kind, *self.also_counts)


@dataclass(frozen=True)
class VersionRules:
    label: str
    requirements: tuple[RequirementRule, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    validity_months: int | None = None
    id: int | None = None

    @property
    def counted_kinds(self) -> frozenset[str]:
        return frozenset(kind for requirement in self.requirements for kind in requirement.counted_kinds)


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


@dataclass(frozen=True)
class PersonFacts:
    psychodynamically_trained: bool = False
    psychotherapy_qualified: bool = False
    training_started_on: date | None = None

    def satisfies(self, condition: str | None) -> bool:
        if condition is None:
            return True
        if condition == "psychodynamically_trained":
            return self.psychodynamically_trained
        if condition == "psychotherapy_qualified":
            return self.psychotherapy_qualified
        return False  # an unknown condition never applies: fail closed


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

    @property
    def minimum(self) -> Decimal:
        return self.requirement.minimum

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


def _requirement_progress(requirement, records, person, on) -> RequirementProgress:
    window = window_for(requirement, person, on)
    counted = counted_amount(requirement, records, window)
    return RequirementProgress(requirement, counted, max(Decimal(0), requirement.minimum - counted),
                               counted >= requirement.minimum, window)


def evaluate(version: VersionRules, records: Iterable[RecordFact], person: PersonFacts, on: date) -> ProgressReport:
    """Whether ``records`` meet ``version`` on ``on``, clause by clause, with what is missing."""
    records = [r for r in records if r.occurred_on <= on]
    by_clause: dict[int, dict[str, list[RequirementRule]]] = {}
    for requirement in version.requirements:
        by_clause.setdefault(requirement.clause, {}).setdefault(requirement.option, []).append(requirement)
    clauses = []
    for clause in sorted(by_clause):
        options = []
        for option in sorted(by_clause[clause]):
            rules = by_clause[clause][option]
            progress = tuple(_requirement_progress(rule, records, person, on) for rule in rules)
            conditions = tuple(sorted({rule.applies_if for rule in rules if rule.applies_if}))
            applies = all(person.satisfies(condition) for condition in conditions)
            options.append(OptionProgress(option, applies, conditions, applies and all(p.met for p in progress), progress))
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
        requirements=tuple(
            RequirementRule(
                id=r.id, clause=r.clause if r.clause is not None else 1, option=r.option or "a", label=r.label,
                kind=r.kind, unit=r.unit, minimum=Decimal(r.minimum), applies_if=r.applies_if,
                also_counts=tuple(k for k in r.counted_kinds[1:] if k != r.kind),
                minutes_per_unit=r.minutes_per_unit, window_kind=r.window_kind or "none",
                window_months=r.window_months, requires_accredited_leader=bool(r.requires_accredited_leader),
                in_person_only=bool(r.in_person_only), translations=r.translations,
            )
            for r in version.requirements
        ),
    )


def person_facts(person, training_started_on: date | None, on: date) -> PersonFacts:
    qualified_on = person.psychotherapy_qualified_on
    return PersonFacts(
        psychodynamically_trained=bool(person.psychodynamically_trained),
        psychotherapy_qualified=qualified_on is not None and qualified_on <= on,
        training_started_on=training_started_on,
    )
