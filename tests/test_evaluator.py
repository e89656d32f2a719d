"""The evaluator against the shipped rule sets: what a candidate has done, what is missing."""
from datetime import date
from decimal import Decimal

import pytest

from society.services.accreditation.evaluator import (
    PersonFacts, RecordFact, RequirementRule, VersionRules, evaluate, months_before, snapshot,
)
from society.services.accreditation.rulesets import shipped_rule_set, version_from_data

ON = date(2025, 6, 1)
STARTED = date(2022, 1, 1)
UNTRAINED = PersonFacts(training_started_on=STARTED)
TRAINED = PersonFacts(psychodynamically_trained=True, training_started_on=STARTED)


def rules(name: str, label: str | None = None) -> VersionRules:
    versions = shipped_rule_set(name)["versions"]
    data = next(v for v in versions if label is None or v["label"] == label)
    return snapshot(version_from_data(data))


def rec(kind: str, day: date = date(2024, 1, 10), units=1, unit="session", minutes=90, in_person=True,
        accredited=True) -> RecordFact:
    return RecordFact(kind=kind, occurred_on=day, unit=unit, units=Decimal(units), minutes=minutes,
                      in_person=in_person, with_accredited_leader=accredited)


def clause(report, number):
    return next(c for c in report.clauses if c.clause == number)


def requirement(report, label_start):
    return next(r for r in report.requirements if r.requirement.label.startswith(label_start))


UK_2016_LEDGER = [
    rec("participation", units=20), rec("co_leading", units=20), rec("intensive", unit="event", units=2),
    rec("supervisor_report", unit="event"),
]


# -- Sweden ------------------------------------------------------------------------

def test_se_candidate_with_the_whole_ledger_is_met():
    ledger = [rec("participation", units=60), rec("co_leading", units=25), rec("leading", units=15),
              rec("supervision", unit="hour", units=20, minutes=1200), rec("intensive", unit="event", units=2)]
    report = evaluate(rules("se"), ledger, UNTRAINED, ON)
    assert report.met
    assert [c.satisfied_by for c in report.clauses] == ["a", "a", "a", "a"]


def test_se_leading_counts_towards_the_co_leading_requirement():
    report = evaluate(rules("se"), [rec("leading", units=40)], UNTRAINED, ON)
    assert requirement(report, "Lead or co-lead").met


def test_se_supervision_hours_are_counted_from_minutes():
    thirteen_sessions = [rec("supervision", unit="session", minutes=90) for _ in range(13)]
    report = evaluate(rules("se"), thirteen_sessions, UNTRAINED, ON)
    hours = requirement(report, "At least 20 hours")
    assert hours.counted == Decimal("19.50") and hours.missing == Decimal("0.50") and not hours.met
    report = evaluate(rules("se"), [*thirteen_sessions, rec("supervision", minutes=30)], UNTRAINED, ON)
    assert requirement(report, "At least 20 hours").met


# -- UK: the alternative in clause 1 -----------------------------------------------

def test_uk_twenty_sessions_as_a_member_meet_clause_one():
    report = evaluate(rules("uk", "2016"), [rec("participation", units=20)], UNTRAINED, ON)
    assert clause(report, 1).met and clause(report, 1).satisfied_by == "a"


def test_uk_eight_sessions_are_enough_only_if_psychodynamically_trained():
    eight = [rec("participation", units=8)]
    untrained = clause(evaluate(rules("uk", "2016"), eight, UNTRAINED, ON), 1)
    trained = clause(evaluate(rules("uk", "2016"), eight, TRAINED, ON), 1)
    assert not untrained.met
    option_b = next(o for o in untrained.options if o.option == "b")
    assert not option_b.applies and option_b.conditions == ("psychodynamically_trained",)
    assert trained.met and trained.satisfied_by == "b"


def test_uk_two_society_weekends_meet_clause_one_instead_of_sessions():
    report = evaluate(rules("uk", "2016"), [rec("intensive", unit="event", units=2)], UNTRAINED, ON)
    assert clause(report, 1).met and clause(report, 1).satisfied_by == "c"


def test_uk_2016_ledger_is_met_without_a_portfolio():
    assert evaluate(rules("uk", "2016"), UK_2016_LEDGER, UNTRAINED, ON).met


def test_uk_2023_asks_for_a_portfolio_and_supervision_on_top():
    report = evaluate(rules("uk", "2023"), UK_2016_LEDGER, UNTRAINED, ON)
    assert not report.met
    unmet = {r.requirement.label for c in report.clauses if not c.met for o in c.options for r in o.requirements}
    assert unmet == {"Portfolio", "Supervision by an accredited leader"}
    ledger = [*UK_2016_LEDGER, rec("portfolio", unit="event"), rec("supervision", units=6)]
    assert evaluate(rules("uk", "2023"), ledger, UNTRAINED, ON).met


def test_uk_2023_co_leading_counts_only_with_an_accredited_leader():
    with_accredited = [rec("co_leading", units=12, accredited=True), rec("co_leading", units=12, accredited=False)]
    progress = requirement(evaluate(rules("uk", "2023"), with_accredited, UNTRAINED, ON), "Co-lead")
    assert progress.counted == 12 and progress.missing == 8


# -- USA: two years, monthly ---------------------------------------------------------

def monthly(kind, months, until=ON, **kw):
    return [rec(kind, day=months_before(until, k), **kw) for k in range(months)]


def test_us_leading_counts_only_the_last_24_months():
    ledger = monthly("leading", 30) + monthly("supervision", 12) + [rec("intensive", unit="event", units=3),
                                                                    rec("supervisor_report", unit="event")]
    report = evaluate(rules("us"), ledger, UNTRAINED, ON)
    leading = requirement(report, "Lead or co-lead")
    assert leading.counted == 24 and leading.met
    assert leading.window.start == date(2023, 6, 2) and leading.window.end == ON
    assert report.met


def test_us_leading_that_stopped_three_years_ago_no_longer_counts():
    old = monthly("co_leading", 24, until=date(2022, 5, 1))
    report = evaluate(rules("us"), old, UNTRAINED, ON)
    assert requirement(report, "Lead or co-lead").counted == 0


# -- Germany: double sessions before and after training --------------------------------

def test_de_double_sessions_are_split_before_and_after_training_started():
    before = [rec("participation", day=date(2021, 3, 1), unit="double_session", minutes=90 * 35)]
    after = [rec("participation", day=date(2023, 3, 1), unit="double_session", minutes=90 * 60)]
    report = evaluate(rules("de"), before + after, UNTRAINED, ON)
    assert requirement(report, "Group member: 105").counted == 95
    assert requirement(report, "Of which at least 35 before").met
    after_training = requirement(report, "And at least 70 after")
    assert after_training.counted == 60 and after_training.missing == 10
    assert after_training.window.start == STARTED


def test_de_seminars_count_as_events_and_as_double_sessions():
    seminars = [rec("intensive", unit="event", units=1, minutes=5 * 90) for _ in range(6)]
    report = evaluate(rules("de"), seminars, UNTRAINED, ON)
    assert requirement(report, "6 leader seminars").met
    assert requirement(report, "At least 30 double sessions").counted == 30


def test_de_full_ledger_is_met():
    ledger = [rec("participation", day=date(2021, 3, 1), minutes=90 * 35),
              rec("participation", day=date(2023, 3, 1), minutes=90 * 70),
              *[rec("intensive", unit="event", minutes=5 * 90) for _ in range(6)],
              rec("supervision", unit="double_session", minutes=90 * 10)]
    assert evaluate(rules("de"), ledger, UNTRAINED, ON).met


# -- Australia / New Zealand ------------------------------------------------------------

def test_anz_supervision_counts_the_past_year_only():
    ledger = monthly("supervision", 10, until=date(2024, 12, 1)) + monthly("supervision", 5, until=date(2023, 3, 1))
    progress = requirement(evaluate(rules("anz"), ledger, UNTRAINED, ON), "At least 10 supervision")
    assert progress.counted == 6  # December 2024 back to July 2024; 1 June 2024 is a year and a day ago
    assert progress.window.kind == "per_year"


def test_anz_case_discussions_and_meetings_are_separate_units():
    ledger = [rec("leading", unit="case_discussion", units=30), rec("co_leading", units=20),
              *monthly("supervision", 10), rec("intensive", unit="event", units=2),
              rec("portfolio", day=date(2025, 1, 15), unit="event")]
    report = evaluate(rules("anz"), ledger, UNTRAINED, ON)
    assert requirement(report, "Lead or co-lead at least 30").counted == 30
    assert requirement(report, "Over at least 20").counted == 20
    assert report.met


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
