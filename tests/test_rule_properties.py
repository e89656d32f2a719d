"""Properties of the rule language's constructs, for any records (hypothesis).

- Records in any order give the same verdict, whatever the constructs.
- Adding a record never makes a met requirement unmet, for the monotone constructs: ``only``,
  ``after`` (any anchor), ``before`` anchored to a fixed day (a qualification, a credential, the start
  of training), ``rhythm``, ``span_months``, ``cap``, ``prerequisite``, and the flat fields.
  Not monotone, by their nature: ``share`` and ``one_group`` (a record outside the share, or of
  another group, lowers it), ``first`` /
  ``last`` (a new first or last occurrence may not qualify), ``order_before`` and ``before`` a step
  (an earlier record of the other step moves the boundary).
- A cap or a share is never exceeded by the verdict's own count: the capped records make at most
  ``max_share`` of what is counted; a met share has at least ``min_share`` of it.
- A met ``one_group`` has one group holding more than (at least) its share of what is counted, and an
  unmet one has none; an anchor at the start of a qualification's training that is not recorded
  counts nothing and says so.
- Records whose kind and unit no requirement counts (``VersionRules.counted_units``) change no
  verdict, whatever the constructs: the records query need not read them.
"""
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from society.models.training import RECORD_KINDS, UNITS
from society.services.accreditation.evaluator import (
    HeldCredential, PersonFacts, Qualification, RecordFact, RequirementRule, VersionRules, evaluate,
)

from .conftest import database_free

pytestmark = database_free

settings.register_profile("rule-properties", max_examples=120, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = settings.get_profile("rule-properties")

ON = date(2025, 12, 31)
PERSON = PersonFacts(training_started_on=date(2022, 3, 1),
                     qualifications=(Qualification("psychotherapy", date(2023, 1, 1)),
                                     Qualification("psychodynamic_training", date(2024, 6, 1), date(2022, 9, 1))),
                     credentials=(HeldCredential("xx-leader", date(2022, 6, 1)),))
KINDS = ("leading", "supervision")

filters = st.one_of(
    st.just({"in_person": True}), st.just({"in_person": False}), st.just({"group_closed": True}),
    st.just({"tags_any": ["study_conference"]}), st.just({"max_minutes": 90}),
    st.just({"supervisor_credential": "xx-trainer"}), st.just({"min_days": 4}),
    st.just({"any_of": [{"in_person": True}, {"max_minutes": 90, "group_closed": True}]}),
)
fixed_anchors = st.sampled_from([{"qualification": "psychotherapy"}, {"credential": "xx-leader"},
                                 {"training_started": True}, {"qualification": "psychotherapy", "months": 6},
                                 {"qualification": "psychodynamic_training", "from_training_start": True},
                                 {"qualification": "psychotherapy", "from_training_start": True}])  # start unknown
one_groups = st.sampled_from([{"more_than": Decimal("0.5")}, {"min_share": Decimal("0.5")},
                              {"more_than": Decimal("0.25")}])
rhythms = st.builds(lambda period, at_least, periods: {"period": period, "at_least": at_least, "periods": periods},
                    st.sampled_from(["month", "quarter", "half_year", "year", "training_year"]),
                    st.integers(1, 3), st.integers(1, 6))
shares = st.sampled_from([Decimal("0.25"), Decimal("0.49"), Decimal("0.5"), Decimal("0.75")])

monotone_constraints = st.fixed_dictionaries({}, optional={
    "only": filters, "after": st.one_of(fixed_anchors, st.just({"step": "other"})), "before": fixed_anchors,
    "rhythm": rhythms, "span_months": st.integers(1, 24),
    "cap": st.builds(lambda where, share: {"where": where, "max_share": share}, filters, shares),
})
any_constraints = st.fixed_dictionaries({}, optional={
    "only": filters, "after": st.one_of(fixed_anchors, st.just({"step": "other"})),
    "before": st.one_of(fixed_anchors, st.just({"step": "other"})), "rhythm": rhythms, "span_months": st.integers(1, 24),
    "cap": st.builds(lambda where, share: {"where": where, "max_share": share}, filters, shares),
    "share": st.builds(lambda where, share: {"where": where, "min_share": share}, filters, shares),
    "first": filters, "last": filters, "order_before": st.just("other"), "one_group": one_groups,
})

records = st.builds(
    RecordFact, kind=st.sampled_from(KINDS),
    occurred_on=st.dates(min_value=date(2021, 6, 1), max_value=date(2026, 2, 1)),
    units=st.integers(1, 3).map(Decimal), minutes=st.sampled_from([45, 90, 120]), in_person=st.booleans(),
    group_closed=st.booleans(), tags=st.sampled_from([(), ("study_conference",)]),
    supervisor_credentials=st.sampled_from([(), ("xx-trainer",)]),
    days=st.sampled_from([None, 3, 4]), group=st.sampled_from([None, "A", "B", "C"]),
)


def version(constraints: dict, minimum: int, per_minutes: bool) -> VersionRules:
    """The requirement under test, and the step "other" its anchors and orders may name."""
    tested = RequirementRule(clause=1, option="a", label="tested", kind="leading", unit="session",
                             minimum=Decimal(minimum), constraints=constraints or None, code="tested",
                             minutes_per_unit=90 if per_minutes else None)
    other = RequirementRule(clause=2, option="a", label="other", kind="supervision", unit="session",
                            minimum=Decimal(1), code="other")
    return VersionRules("v", (tested, other))


def progress_of(report):
    return next(p for p in report.requirements if p.requirement.code == "tested")


@PROFILE
@given(any_constraints, st.integers(1, 30), st.booleans(), st.lists(records, max_size=40), st.randoms())
def test_records_in_any_order_give_the_same_verdict(constraints, minimum, per_minutes, ledger, rng):
    rules = version(constraints, minimum, per_minutes)
    shuffled = list(ledger)
    rng.shuffle(shuffled)
    assert evaluate(rules, shuffled, PERSON, ON) == evaluate(rules, ledger, PERSON, ON)


@PROFILE
@given(monotone_constraints, st.integers(1, 30), st.booleans(), st.lists(records, max_size=40), records)
def test_adding_a_record_never_makes_a_met_requirement_unmet(constraints, minimum, per_minutes, ledger, extra):
    rules = version(constraints, minimum, per_minutes)
    before = progress_of(evaluate(rules, ledger, PERSON, ON))
    after = progress_of(evaluate(rules, [*ledger, extra], PERSON, ON))
    assert after.counted >= before.counted
    assert after.met or not before.met


@PROFILE
@given(filters, shares, st.booleans(), st.lists(records, max_size=40))
def test_a_cap_is_never_exceeded_by_the_verdicts_own_count(where, share, per_minutes, ledger):
    progress = progress_of(evaluate(version({"cap": {"where": where, "max_share": share}}, 5, per_minutes),
                               ledger, PERSON, ON))
    assert progress.capped is not None and progress.capped <= share * progress.counted


@PROFILE
@given(filters, shares, st.booleans(), st.lists(records, max_size=40))
def test_a_met_share_is_at_least_its_minimum_of_the_verdicts_own_count(where, share, per_minutes, ledger):
    progress = progress_of(evaluate(version({"share": {"where": where, "min_share": share}}, 1, per_minutes),
                               ledger, PERSON, ON))
    check = next(c for c in progress.checks if c.name == "share")
    if check.met:
        assert progress.share >= share and progress.counted > 0
    else:
        assert progress.share < share or progress.counted == 0


@PROFILE
@given(rhythms, st.lists(records, max_size=40))
def test_a_met_rhythm_names_no_short_period_and_an_unmet_one_names_at_least_one(rhythm, ledger):
    progress = progress_of(evaluate(version({"rhythm": rhythm}, 1, False), ledger, PERSON, ON))
    check = next(c for c in progress.checks if c.name == "rhythm")
    assert check.met == (not check.short_periods)
    for start, end in check.short_periods:
        assert start <= end and end - start < timedelta(days=367)


@PROFILE
@given(any_constraints, st.integers(1, 30), st.booleans(),
       st.lists(st.builds(lambda record, kind, unit: RecordFact(**{**record.__dict__, "kind": kind, "unit": unit}),
                          records, st.sampled_from(RECORD_KINDS), st.sampled_from(UNITS)), max_size=40))
def test_records_whose_kind_and_unit_no_requirement_counts_change_no_verdict(constraints, minimum, per_minutes, ledger):
    rules = version(constraints, minimum, per_minutes)
    counted = rules.counted_units
    read = [r for r in ledger if r.kind in counted and (counted[r.kind] is None or r.unit in counted[r.kind])]
    assert evaluate(rules, read, PERSON, ON) == evaluate(rules, ledger, PERSON, ON)


@PROFILE
@given(one_groups, st.booleans(), st.lists(records, max_size=40))
def test_a_met_one_group_holds_its_share_of_the_verdicts_own_count_and_an_unmet_one_does_not(rule, per_minutes, ledger):
    progress = progress_of(evaluate(version({"one_group": rule}, 1, per_minutes), ledger, PERSON, ON))
    check = next(c for c in progress.checks if c.name == "one_group")
    counted = [r for r in ledger if r.kind == "leading" and r.occurred_on <= ON and (per_minutes or r.unit == "session")]

    def amount(chosen):  # in the requirement's unit, rounded down to cents as the report counts
        total = sum((Decimal(r.minutes) for r in chosen), Decimal(0)) / 90 if per_minutes else sum(
            (r.units for r in chosen), Decimal(0))
        return total.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    total = amount(counted)
    largest = max((amount([r for r in counted if r.group == group]) for group in "ABC"), default=Decimal(0))
    share = rule.get("more_than", rule.get("min_share"))
    holds = largest > share * total if "more_than" in rule else largest >= share * total
    assert check.met == (total > 0 and holds)


@PROFILE
@given(st.integers(1, 30), st.lists(records, max_size=40))
def test_an_unrecorded_training_start_counts_nothing_and_says_so(minimum, ledger):
    rules = version({"after": {"qualification": "psychotherapy", "from_training_start": True}}, minimum, False)
    progress = progress_of(evaluate(rules, ledger, PERSON, ON))
    check = next(c for c in progress.checks if c.name == "training_start")
    assert progress.counted == 0 and not progress.met and not check.met and check.have is None
