"""A leader's progress against their rule-set version, from the database.

The evaluator counts plain record facts; here the person's approved records are
first added up in SQL, in one query whose cost does not grow with the number of
requirements: grouped by the facts the rules look at (kind, unit, in person, with an
accredited leader) and by which side of every window boundary a record falls. Each
group becomes one record fact dated inside its bucket, so the evaluator sees exactly
what it would see record by record, only fewer of them. A version whose requirements carry
constraints (rhythms, spans, who the supervisor was...) is given the records day by day instead
(``accreditation.facts.record_facts``), still in a few queries.
"""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select, true

from ...extensions import db
from ...models import Accreditation, TrainingRecord
from ..accreditation.evaluator import (
    PersonFacts, ProgressReport, RecordFact, VersionRules, evaluate, person_facts, snapshot, window_for,
)
from ..accreditation.facts import record_facts


def window_boundaries(rules: VersionRules, person: PersonFacts, on: date) -> list[date]:
    """The days on which some window starts or stops counting (within the period up to ``on``)."""
    days = set()
    for requirement in rules.requirements:
        window = window_for(requirement, person, on)
        if window.start is not None:
            days.add(window.start)
        if window.end is not None and window.end < on:
            days.add(window.end + timedelta(days=1))
    return sorted(day for day in days if day <= on)


def approved_record_facts(person_id: int, rules: VersionRules, person: PersonFacts, on: date) -> list[RecordFact]:
    """The person's approved records up to ``on``, added up per fact and window bucket, in one query."""
    kinds = sorted(rules.counted_kinds)
    if not kinds:
        return []
    record = TrainingRecord
    boundaries = window_boundaries(rules, person, on)
    # Bucket i holds the days from boundary i-1 up to boundary i: records in one bucket are
    # inside exactly the same windows. One column set per bucket (conditional aggregation)
    # keeps the GROUP BY to the record's facts, which the index delivers in order.
    edges = [None, *boundaries, None]
    columns = []
    for low, high in zip(edges, edges[1:]):
        inside = and_(*([record.occurred_on >= low] if low else []), *([record.occurred_on < high] if high else []),
                      true())
        columns += [func.count(case((inside, 1))), func.sum(case((inside, record.units), else_=0)),
                    func.sum(case((inside, record.minutes), else_=0))]
    statement = (
        select(record.kind, record.unit, record.in_person, record.with_accredited_leader, *columns)
        .where(record.person_id == person_id, record.status == "approved", record.occurred_on <= on,
               record.kind.in_(kinds))
        .group_by(record.kind, record.unit, record.in_person, record.with_accredited_leader)
    )
    # Any day of a bucket stands for all of it.
    days = [boundaries[0] - timedelta(days=1) if boundaries else on, *boundaries]
    facts = []
    for kind, unit, in_person, accredited, *sums in db.session.execute(statement):
        for day, (count, units, minutes) in zip(days, zip(sums[0::3], sums[1::3], sums[2::3])):
            if count:
                facts.append(RecordFact(kind=kind, unit=unit, in_person=bool(in_person),
                                        with_accredited_leader=bool(accredited), occurred_on=day,
                                        units=Decimal(units), minutes=int(minutes or 0)))
    return facts


def progress_for(accreditation: Accreditation, on: date) -> ProgressReport:
    """The progress report of ``accreditation``'s person against its rule-set version on ``on``."""
    rules = snapshot(accreditation.rule_set_version)
    person = person_facts(accreditation.person, accreditation.training_started_on, on)
    if rules.needs_each_day:  # rhythms, spans, filters on who was there: the records themselves
        records = record_facts(accreditation.person_id, rules, on)
    else:
        records = approved_record_facts(accreditation.person_id, rules, person, on)
    return evaluate(rules, records, person, on)
