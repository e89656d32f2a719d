"""Properties the evaluator keeps for any rule set and any ledger."""
import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from society.models.rules import CONDITIONS, WINDOWS
from society.models.training import RECORD_KINDS, UNITS
from society.services.accreditation.evaluator import (
    PersonFacts, RecordFact, RequirementRule, VersionRules, counts_toward, evaluate,
)

from .conftest import database_free

pytestmark = database_free

# The autouse database fixture is function-scoped; these tests never touch the database.
settings.register_profile("evaluator", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = settings.get_profile("evaluator")

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31))

records = st.builds(
    RecordFact, kind=st.sampled_from(RECORD_KINDS), occurred_on=days, unit=st.sampled_from(UNITS),
    units=st.decimals(min_value=0, max_value=30, places=2), minutes=st.integers(0, 600),
    in_person=st.booleans(), with_accredited_leader=st.booleans(),
)


@st.composite
def requirement_rules(draw):
    window = draw(st.sampled_from(WINDOWS))
    return RequirementRule(
        clause=draw(st.integers(1, 3)), option=draw(st.sampled_from("abc")), label=f"r{draw(st.integers(0, 10**6))}",
        kind=draw(st.sampled_from(RECORD_KINDS)), unit=draw(st.sampled_from(UNITS)),
        minimum=draw(st.decimals(min_value="0.5", max_value=40, places=1)),
        applies_if=draw(st.none() | st.sampled_from(CONDITIONS)),
        also_counts=tuple(draw(st.lists(st.sampled_from(RECORD_KINDS), max_size=2, unique=True))),
        minutes_per_unit=draw(st.none() | st.sampled_from([60, 90])), window_kind=window,
        window_months=draw(st.integers(1, 36)) if window == "rolling_months" else None,
        requires_accredited_leader=draw(st.booleans()), in_person_only=draw(st.booleans()),
    )


versions = st.builds(VersionRules, label=st.just("v"), requirements=st.lists(requirement_rules(), min_size=1, max_size=6).map(tuple))
people = st.builds(PersonFacts, psychodynamically_trained=st.booleans(), psychotherapy_qualified=st.booleans(),
                   training_started_on=st.none() | days)
ledgers = st.lists(records, max_size=25)


@PROFILE
@given(versions, ledgers, records, people, days)
def test_adding_an_approved_record_never_makes_a_met_requirement_unmet(version, ledger, extra, person, on):
    before = evaluate(version, ledger, person, on)
    after = evaluate(version, [*ledger, extra], person, on)
    for old, new in zip(before.requirements, after.requirements):
        assert new.counted >= old.counted
        assert new.met or not old.met
    for old, new in zip(before.clauses, after.clauses):
        assert new.met or not old.met
    assert after.met or not before.met


@PROFILE
@given(versions, ledgers, people, days)
def test_counted_amount_is_the_sum_of_the_records_in_its_window(version, ledger, person, on):
    for progress in evaluate(version, ledger, person, on).requirements:
        rule, window = progress.requirement, progress.window
        inside = [r for r in ledger if r.occurred_on <= on and window.contains(r.occurred_on) and counts_toward(rule, r)]
        if rule.minutes_per_unit:
            expected = Decimal(sum(r.minutes for r in inside)) / rule.minutes_per_unit
        else:
            expected = sum((r.units for r in inside), Decimal(0))
        assert progress.counted == expected.quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        assert progress.met == (progress.counted >= rule.minimum)
        assert progress.missing == max(Decimal(0), rule.minimum - progress.counted)


@PROFILE
@given(versions, ledgers, st.lists(records, min_size=1, max_size=10), people, days)
def test_records_after_the_day_never_change_the_report(version, ledger, later, person, on):
    future = [RecordFact(**{**r.__dict__, "occurred_on": on + timedelta(days=1 + i)}) for i, r in enumerate(later)]
    assert evaluate(version, [*ledger, *future], person, on) == evaluate(version, ledger, person, on)


@PROFILE
@given(versions, ledgers, people, days)
def test_met_parts_make_met_wholes(version, ledger, person, on):
    report = evaluate(version, ledger, person, on)
    for clause in report.clauses:
        for option in clause.options:
            # A requirement met, alone in an option that applies, meets its clause.
            if option.applies and len(option.requirements) == 1 and option.requirements[0].met:
                assert clause.met
            assert option.met == (option.applies and all(r.met for r in option.requirements))
        assert clause.met == any(o.met for o in clause.options)
        assert clause.satisfied_by is None or next(o for o in clause.options if o.option == clause.satisfied_by).met
    assert report.met == all(c.met for c in report.clauses)


@PROFILE
@given(versions, ledgers, people, days, st.integers(0, 2**32 - 1))
def test_the_order_of_records_does_not_matter(version, ledger, person, on, seed):
    shuffled = list(ledger)
    random.Random(seed).shuffle(shuffled)
    assert evaluate(version, shuffled, person, on) == evaluate(version, ledger, person, on)


@PROFILE
@given(versions, ledgers, people, days)
def test_an_option_that_does_not_apply_never_meets_its_clause(version, ledger, person, on):
    for clause in evaluate(version, ledger, person, on).clauses:
        for option in clause.options:
            if not option.applies:
                assert not option.met and clause.satisfied_by != option.option
