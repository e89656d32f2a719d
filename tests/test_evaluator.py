"""The evaluator: what a candidate has done, what is missing, clause by clause."""
from datetime import date
from decimal import Decimal

import pytest

from society.services.accreditation.evaluator import (
    PersonFacts, RecordFact, RequirementRule, VersionRules, evaluate, months_before,
)

ON = date(2025, 6, 1)
STARTED = date(2022, 1, 1)
UNTRAINED = PersonFacts(training_started_on=STARTED)
TRAINED = PersonFacts(psychodynamically_trained=True, training_started_on=STARTED)


def rec(kind: str, day: date = date(2024, 1, 10), units=1, unit="session", minutes=90, in_person=True,
        accredited=True) -> RecordFact:
    return RecordFact(kind=kind, occurred_on=day, unit=unit, units=Decimal(units), minutes=minutes,
                      in_person=in_person, with_accredited_leader=accredited)


def clause(report, number):
    return next(c for c in report.clauses if c.clause == number)


# The shipped rule sets, rule by rule, are tested in test_published_rules.py (one case that just
# meets and one that just fails per published rule); here the evaluator's own behaviour.

def alternatives() -> VersionRules:
    """20 sessions, OR 8 if psychodynamically trained, OR 2 weekends: the UK's clause 1 in shape."""
    def option(name, **kw):
        values = dict(clause=1, option=name, label=f"option {name}", kind="participation", unit="session")
        values.update(kw)
        return RequirementRule(**values)
    return VersionRules(label="t", requirements=(
        option("a", minimum=Decimal(20)),
        option("b", minimum=Decimal(8), applies_if="psychodynamically_trained"),
        option("c", kind="intensive", unit="event", minimum=Decimal(2)),
    ))


def test_twenty_sessions_meet_a_clause_by_its_first_option():
    report = evaluate(alternatives(), [rec("participation", units=20)], UNTRAINED, ON)
    assert clause(report, 1).met and clause(report, 1).satisfied_by == "a"


def test_eight_sessions_are_enough_only_if_the_option_applies_to_the_person():
    eight = [rec("participation", units=8)]
    untrained = clause(evaluate(alternatives(), eight, UNTRAINED, ON), 1)
    trained = clause(evaluate(alternatives(), eight, TRAINED, ON), 1)
    assert not untrained.met
    option_b = next(o for o in untrained.options if o.option == "b")
    assert not option_b.applies and option_b.conditions == ("psychodynamically_trained",)
    assert trained.met and trained.satisfied_by == "b"


def test_another_kind_of_record_meets_the_clause_by_another_option():
    report = evaluate(alternatives(), [rec("intensive", unit="event", units=2)], UNTRAINED, ON)
    assert clause(report, 1).met and clause(report, 1).satisfied_by == "c"


def test_minutes_per_unit_count_hours_from_minutes_whatever_the_records_unit():
    hours = VersionRules(label="t", requirements=(RequirementRule(
        clause=1, option="a", label="20 hours", kind="supervision", unit="hour", minutes_per_unit=60,
        minimum=Decimal(20)),))
    thirteen_sessions = [rec("supervision", unit="session", minutes=90) for _ in range(13)]
    progress = evaluate(hours, thirteen_sessions, UNTRAINED, ON).requirements[0]
    assert progress.counted == Decimal("19.50") and progress.missing == Decimal("0.50") and not progress.met
    assert evaluate(hours, [*thirteen_sessions, rec("supervision", minutes=30)], UNTRAINED, ON).met


def test_a_rolling_window_counts_the_months_up_to_the_day():
    rolling = VersionRules(label="t", requirements=(RequirementRule(
        clause=1, option="a", label="24 in 24 months", kind="leading", unit="session", minimum=Decimal(24),
        window_kind="rolling_months", window_months=24),))
    ledger = [rec("leading", day=months_before(ON, k)) for k in range(30)]
    progress = evaluate(rolling, ledger, UNTRAINED, ON).requirements[0]
    assert progress.counted == 24 and progress.met
    assert progress.window.start == date(2023, 6, 2) and progress.window.end == ON


# -- windows, qualifiers, the day ---------------------------------------------------------

def single(**kw) -> VersionRules:
    values = dict(clause=1, option="a", label="r", kind="leading", unit="session", minimum=Decimal(5))
    values.update(kw)
    return VersionRules(label="t", requirements=(RequirementRule(**values),))


def test_records_after_the_day_never_count():
    report = evaluate(single(), [rec("leading", day=date(2025, 6, 2), units=10)], UNTRAINED, ON)
    assert report.requirements[0].counted == 0 and not report.met


def test_records_on_the_day_count():
    assert evaluate(single(), [rec("leading", day=ON, units=5)], UNTRAINED, ON).met


def test_in_person_only_leaves_online_sessions_out():
    records = [rec("leading", units=3, in_person=True), rec("leading", units=3, in_person=False)]
    assert evaluate(single(in_person_only=True), records, UNTRAINED, ON).requirements[0].counted == 3


def test_other_units_do_not_count_for_a_unit_without_minutes():
    records = [rec("leading", unit="event", units=5), rec("leading", unit="session", units=2)]
    assert evaluate(single(), records, UNTRAINED, ON).requirements[0].counted == 2


def test_rolling_window_of_six_months_includes_its_first_day():
    rule = single(window_kind="rolling_months", window_months=6)
    inside, outside = rec("leading", day=date(2024, 12, 2), units=5), rec("leading", day=date(2024, 12, 1), units=5)
    assert evaluate(rule, [inside], UNTRAINED, ON).met
    assert not evaluate(rule, [outside], UNTRAINED, ON).met


def test_before_training_excludes_the_day_training_started():
    rule = single(window_kind="before_training")
    assert not evaluate(rule, [rec("leading", day=STARTED, units=5)], UNTRAINED, ON).met
    assert evaluate(rule, [rec("leading", day=date(2021, 12, 31), units=5)], UNTRAINED, ON).met


def test_a_condition_nobody_knows_never_applies():
    assert not PersonFacts(psychodynamically_trained=True).satisfies("something_else")


def test_a_version_without_requirements_is_never_met():
    assert not evaluate(VersionRules(label="empty", requirements=()), [], UNTRAINED, ON).met


@pytest.mark.parametrize("day, months, expected", [
    (date(2024, 3, 31), 1, date(2024, 2, 29)), (date(2025, 1, 15), 13, date(2023, 12, 15)),
    (date(2024, 5, 31), 12, date(2023, 5, 31)), (date(2025, 3, 31), -1, date(2025, 4, 30)),
])
def test_months_before_clamps_to_the_end_of_short_months(day, months, expected):
    assert months_before(day, months) == expected
