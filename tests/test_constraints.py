"""Each construct of the rule language, evaluated: what a candidate would see met, or missing and why."""
from datetime import date
from decimal import Decimal

from society.services.accreditation.evaluator import (
    HeldCredential, MembershipSpan, PersonFacts, Qualification, RecordFact, RequirementRule, VersionRules, evaluate,
)

ON = date(2025, 6, 30)
STARTED = date(2023, 1, 1)
PERSON = PersonFacts(training_started_on=STARTED)


def rule(kind="leading", minimum=1, code=None, advisory=False, unit="session", minutes_per_unit=None, **constraints):
    return RequirementRule(clause=1, option="a", label=f"{kind} {code or ''}", kind=kind, unit=unit,
                           minimum=Decimal(minimum), code=code, advisory=advisory, constraints=constraints or None,
                           minutes_per_unit=minutes_per_unit)


def rec(day, kind="leading", minutes=90, **facts):
    return RecordFact(kind=kind, occurred_on=day, minutes=minutes, **facts)


def progress(requirements, records, person=PERSON, on=ON):
    report = evaluate(VersionRules("v", tuple(requirements)), records, person, on)
    return report, report.requirements


def monthly(start_year, start_month, months, day=15, **facts):
    out = []
    for i in range(months):
        index = start_year * 12 + start_month - 1 + i
        out.append(rec(date(index // 12, index % 12 + 1, day), **facts))
    return out


def test_leading_at_least_once_a_month_for_two_years_is_met_by_24_months_in_a_row():
    rhythm = rule(minimum=24, rhythm={"period": "month", "at_least": 1, "periods": 24})
    report, (p,) = progress([rhythm], monthly(2023, 6, 24))
    assert report.met and p.met


def test_24_sessions_crammed_into_six_months_do_not_make_a_monthly_rhythm_and_the_short_months_are_named():
    crammed = [rec(date(2025, month, day)) for month in range(1, 7) for day in (3, 10, 17, 24)]
    report, (p,) = progress([rule(minimum=24, rhythm={"period": "month", "at_least": 1, "periods": 24})], crammed)
    assert p.counted == 24 and not p.met and not report.met
    assert (date(2024, 12, 1), date(2024, 12, 31)) in p.short_periods
    assert (date(2025, 1, 1), date(2025, 1, 31)) not in p.short_periods
    assert len(p.short_periods) == 18


def test_ten_supervisions_in_each_year_of_the_course_names_the_year_that_fell_short():
    requirement = rule("supervision", minimum=20, rhythm={"period": "training_year", "at_least": 10, "periods": 2})
    first_year = [rec(date(2023, 2, d), kind="supervision") for d in range(1, 13)]
    second_year = [rec(date(2024, 3, d), kind="supervision") for d in range(1, 9)]
    early = [rec(date(2022, 12, d), kind="supervision") for d in range(1, 5)]  # before the course: in no year
    _, (p,) = progress([requirement], first_year + second_year + early)
    assert not p.met and p.short_periods == ((date(2024, 1, 1), date(2024, 12, 31)),)
    _, (p,) = progress([requirement], first_year + second_year + [rec(date(2024, 5, d), kind="supervision")
                                                                 for d in (1, 2)])
    assert p.met


def test_seventy_double_sessions_count_only_after_the_psychotherapy_qualification():
    person = PersonFacts(training_started_on=STARTED, qualifications=(Qualification("psychotherapy", date(2024, 1, 1)),))
    requirement = rule("participation", minimum=2, after={"qualification": "psychotherapy"})
    records = [rec(date(2023, 6, 1), kind="participation"), rec(date(2024, 2, 1), kind="participation")]
    _, (p,) = progress([requirement], records, person)
    assert p.counted == 1 and not p.met
    _, (p,) = progress([requirement], records, PERSON)  # not qualified: nothing counts after it yet
    assert p.counted == 0


def test_three_years_experience_after_the_qualification_is_a_prerequisite_with_its_years_shown():
    requirement = rule(prerequisite={"qualification": "psychotherapy", "years_since": 3})
    qualified = PersonFacts(qualifications=(Qualification("psychotherapy", date(2022, 7, 1)),))
    _, (p,) = progress([requirement], [], qualified)
    assert not p.met and p.checks[0].have == "2" and p.checks[0].need == "3"
    _, (p,) = progress([requirement], [], qualified, on=date(2025, 7, 1))
    assert p.met


def test_a_first_intensive_before_leading_is_an_order_between_steps():
    intensive = rule("intensive", code="first-intensive", unit="event")
    leading = rule(minimum=1, code="lead", **{"after": {"step": "first-intensive"}})
    ordered = rule("intensive", code="intensive-first", unit="event", order_before="lead")
    on_time = [rec(date(2024, 1, 1), kind="intensive", unit="event"), rec(date(2024, 2, 1))]
    late = [rec(date(2024, 3, 1), kind="intensive", unit="event"), rec(date(2024, 2, 1))]
    _, (_, p_lead, p_order) = progress([intensive, leading, ordered], on_time)
    assert p_lead.met and p_order.met
    _, (_, p_lead, p_order) = progress([intensive, leading, ordered], late)
    assert not p_lead.met and not p_order.met


def test_thirty_hours_over_at_least_six_months_is_a_minimum_span():
    requirement = rule("participation", minimum=2, span_months=6)
    _, (p,) = progress([requirement], [rec(date(2024, 1, 10), kind="participation"),
                                       rec(date(2024, 7, 9), kind="participation")])
    assert not p.met and p.checks[0].have == "6"  # six calendar months, a day short
    _, (p,) = progress([requirement], [rec(date(2024, 1, 10), kind="participation"),
                                       rec(date(2024, 7, 10), kind="participation")])
    assert p.met


def test_only_a_smaller_part_at_study_conferences_caps_what_counts():
    requirement = rule("participation", minimum=4, cap={"where": {"tags_any": ["study_conference"]},
                                                        "max_share": 0.49})
    records = [rec(date(2024, 1, d), kind="participation") for d in (1, 2)] + \
              [rec(date(2024, 2, d), kind="participation", tags=("study_conference",)) for d in range(1, 6)]
    _, (p,) = progress([requirement], records)
    assert p.capped == Decimal("1.92") and p.counted == Decimal("3.92") and not p.met
    assert p.capped <= Decimal("0.49") * p.counted


def test_at_least_half_in_person_is_a_share_shown_as_the_current_share():
    requirement = rule("participation", minimum=2, share={"where": {"in_person": True}, "min_share": 0.5})
    records = [rec(date(2024, 1, 1), kind="participation"), rec(date(2024, 1, 2), kind="participation", in_person=False),
               rec(date(2024, 1, 3), kind="participation", in_person=False)]
    _, (p,) = progress([requirement], records)
    assert p.share == Decimal("0.33") and not p.met
    _, (p,) = progress([requirement], records[:2])
    assert p.share == Decimal("0.50") and p.met


def test_first_and_last_sessions_in_person():
    requirement = rule("participation", minimum=2, first={"in_person": True}, last={"in_person": True})
    online_last = [rec(date(2024, 1, 1), kind="participation"), rec(date(2024, 2, 1), kind="participation",
                                                                      in_person=False)]
    _, (p,) = progress([requirement], online_last)
    assert not p.met and [c.met for c in p.checks] == [True, False]
    _, (p,) = progress([requirement], online_last + [rec(date(2024, 3, 1), kind="participation")])
    assert p.met


def test_online_sessions_count_only_when_at_most_90_minutes_in_a_closed_group():
    only = {"any_of": [{"in_person": True}, {"max_minutes": 90, "group_closed": True}]}
    requirement = rule("participation", minimum=3, only=only)
    records = [rec(date(2024, 1, 1), kind="participation"),
               rec(date(2024, 1, 2), kind="participation", in_person=False, group_closed=True),
               rec(date(2024, 1, 3), kind="participation", in_person=False, group_closed=False),
               rec(date(2024, 1, 4), kind="participation", in_person=False, group_closed=True, minutes=120)]
    _, (p,) = progress([requirement], records)
    assert p.counted == 2 and p.missing == 1


def test_supervision_counts_only_with_a_leader_trainer_on_the_day():
    requirement = rule("supervision", minimum=2, only={"supervisor_credential": "anz-trainer"})
    records = [rec(date(2024, 1, 1), kind="supervision", supervisor_credentials=("anz-trainer", "anz-leader")),
               rec(date(2024, 1, 2), kind="supervision", supervisor_credentials=("anz-leader",))]
    _, (p,) = progress([requirement], records)
    assert p.counted == 1 and not p.met


def test_an_advisory_requirement_shows_but_never_blocks():
    advisory = rule("co_leading", minimum=20, advisory=True, only={"with_accredited_leader": True})
    report, (_, p) = progress([rule(minimum=1), advisory], [rec(date(2024, 1, 1))])
    assert report.met and not p.met and not p.blocks and p.advisory


def test_leader_trainer_needs_the_leader_credential_held_for_two_years():
    requirement = rule(prerequisite={"credential": "anz-leader", "held_months": 24})
    held = PersonFacts(credentials=(HeldCredential("anz-leader", date(2023, 7, 1)),))
    _, (p,) = progress([requirement], [], held)
    assert not p.met and p.checks[0].have == "23"
    _, (p,) = progress([requirement], [], held, on=date(2025, 7, 1))
    assert p.met
    lapsed = PersonFacts(credentials=(HeldCredential("anz-leader", date(2020, 1, 1), date(2024, 12, 31)),))
    _, (p,) = progress([requirement], [], lapsed)
    assert not p.met


def test_membership_throughout_training_fails_on_a_gap():
    requirement = rule(prerequisite={"membership_throughout": "ABS"})
    kept = PersonFacts(training_started_on=STARTED, memberships=(MembershipSpan("ABS", date(2022, 1, 1)),))
    gap = PersonFacts(training_started_on=STARTED, memberships=(
        MembershipSpan("ABS", date(2022, 1, 1), date(2023, 12, 31)), MembershipSpan("ABS", date(2024, 3, 1))))
    assert progress([requirement], [], kept)[1][0].met
    assert not progress([requirement], [], gap)[1][0].met


def test_a_unit_the_rule_set_defines_counts_from_minutes():
    days = rule("intensive", minimum=2, unit="event", minutes_per_unit=360, unit_name="day")
    _, (p,) = progress([days], [rec(date(2024, 1, 1), kind="intensive", unit="event", minutes=540),
                                rec(date(2024, 1, 2), kind="intensive", unit="event", minutes=180)])
    assert p.counted == 2 and p.met


def test_membership_throughout_of_the_rule_sets_own_society_follows_the_society_that_uses_it():
    requirement = rule(prerequisite={"membership_throughout": True})
    member = PersonFacts(training_started_on=STARTED, memberships=(MembershipSpan("BSUK", date(2022, 1, 1)),))
    own = evaluate(VersionRules("v", (requirement,), society="BSUK"), [], member, ON)
    other = evaluate(VersionRules("v", (requirement,), society="UKBS"), [], member, ON)
    unknown = evaluate(VersionRules("v", (requirement,)), [], member, ON)
    assert own.met and not other.met and not unknown.met
