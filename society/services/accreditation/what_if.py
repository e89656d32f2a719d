"""What if a draft rule-set version took effect: who of the current candidates gains or loses eligibility.

Every current candidate (an accreditation in training or applied on any version of the draft's rule
set) is judged twice on the same day with the pure evaluator: under the version they are on, and
under the draft. The answer names, per candidate whose eligibility changes, the requirements whose
verdict differs. Set-based: one query for the candidates (with their person and version), one for
all their approved records (``facts.records_of_people``, with who was there as their progress pages
read it: a supervisor's credentials or listing, a group's closedness, leaders and size, each one more
query only when a rule looks at it), grouped in Python; no query per candidate.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Accreditation, RuleSetVersion
from .evaluator import RequirementRule, VersionRules, evaluate, snapshot
from .facts import people_facts, records_of_people
from .ledger_verdict import requirement_verdicts

CANDIDATE_STATUSES = ("in_training", "applied")


@dataclass(frozen=True)
class RequirementChange:
    """One requirement whose verdict differs (``before``/``after`` None: the version has no such requirement)."""

    label: str
    before: dict | None
    after: dict | None
    rule: RequirementRule  # the draft's requirement where it has one (for the label in the reader's language)


@dataclass(frozen=True)
class CandidateOutcome:
    accreditation_id: int
    person_id: int
    name: str
    status: str
    current_version: str
    met_now: bool
    met_draft: bool
    changes: tuple[RequirementChange, ...]

    @property
    def effect(self) -> str:
        """``gains``, ``loses`` or ``stays`` (eligible or not either way)."""
        if self.met_draft == self.met_now:
            return "stays"
        return "gains" if self.met_draft else "loses"


@dataclass(frozen=True)
class WhatIf:
    draft_label: str
    on: date
    candidates: tuple[CandidateOutcome, ...]

    def with_effect(self, effect: str) -> list[CandidateOutcome]:
        return [c for c in self.candidates if c.effect == effect]

    @property
    def gains(self) -> list[CandidateOutcome]:
        return self.with_effect("gains")

    @property
    def loses(self) -> list[CandidateOutcome]:
        return self.with_effect("loses")

    @property
    def stays(self) -> list[CandidateOutcome]:
        return self.with_effect("stays")


def is_draft(version: RuleSetVersion, today: date) -> bool:
    """A version not yet in effect: nobody's rules until its first day."""
    return version.effective_from > today


def what_if(draft: RuleSetVersion, on: date) -> WhatIf:
    """Every current candidate of ``draft``'s rule set judged on ``on`` under their version and under ``draft``."""
    draft_rules = snapshot(draft)
    candidates = _candidates(draft.rule_set_id)
    rules_by_version: dict[int, VersionRules] = {draft.id: draft_rules}
    for accreditation in candidates:
        version = accreditation.rule_set_version
        if version.id not in rules_by_version:
            rules_by_version[version.id] = snapshot(version)
    records = records_of_people([a.person_id for a in candidates], list(rules_by_version.values()), on)
    facts = people_facts([(a.person, a.training_started_on) for a in candidates], on)
    outcomes = [
        _outcome(accreditation, rules_by_version[accreditation.rule_set_version_id], draft_rules,
                 records.get(accreditation.person_id, ()), facts[accreditation.person_id], on)
        for accreditation in candidates
    ]
    order = {"loses": 0, "gains": 1, "stays": 2}
    outcomes.sort(key=lambda o: (order[o.effect], o.name.casefold(), o.accreditation_id))
    return WhatIf(draft.label, on, tuple(outcomes))


def _candidate_condition(rule_set_id: int):
    return (Accreditation.status.in_(CANDIDATE_STATUSES)
            & Accreditation.rule_set_version_id.in_(
                select(RuleSetVersion.id).where(RuleSetVersion.rule_set_id == rule_set_id)))


def _candidates(rule_set_id: int) -> list[Accreditation]:
    # The versions' requirements come in one more query per version set (selectinload), not per candidate.
    statement = (select(Accreditation).where(_candidate_condition(rule_set_id))
                 .options(joinedload(Accreditation.person),
                          joinedload(Accreditation.rule_set_version).selectinload(RuleSetVersion.requirements)))
    return list(db.session.scalars(statement).unique())


def _outcome(accreditation: Accreditation, current: VersionRules, draft: VersionRules, records, person, on: date):
    now = evaluate(current, records, person, on)
    then = evaluate(draft, records, person, on)
    changes = changed_requirements(_judged(now), _judged(then)) if now.met != then.met else ()
    return CandidateOutcome(accreditation.id, accreditation.person_id, accreditation.person.full_name,
                            accreditation.status, current.label, now.met, then.met, changes)


def _judged(report) -> list[tuple[dict, RequirementRule]]:
    """Each requirement's verdict beside its rule (both lists follow the report's order)."""
    return list(zip(requirement_verdicts(report), (p.requirement for p in report.requirements)))


def changed_requirements(before: list[tuple[dict, RequirementRule]],
                         after: list[tuple[dict, RequirementRule]]) -> tuple[RequirementChange, ...]:
    """The requirements (matched by label) whose verdict differs where it decides a clause, or that only
    one version has and that leaves its clause unmet."""
    old = {entry["label"]: (entry, rule) for entry, rule in before}
    new = {entry["label"]: (entry, rule) for entry, rule in after}
    changes = []
    for label in [*new, *(label for label in old if label not in new)]:
        (was, was_rule), (will, will_rule) = old.get(label, (None, None)), new.get(label, (None, None))
        if was is not None and will is not None:
            differs = was["met"] != will["met"] and not (was["clause_met"] and will["clause_met"])
        else:
            only = was or will
            differs = not only["met"] and not only["clause_met"]
        if differs:
            changes.append(RequirementChange(label, was, will, will_rule or was_rule))
    return tuple(changes)
