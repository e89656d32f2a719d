"""Progress from the database: one aggregating query, the same answer as record by record."""
import random
from datetime import date, timedelta
from decimal import Decimal


from society.extensions import db
from society.models.rules import WINDOWS
from society.models.training import RECORD_KINDS, UNITS
from society.services.accreditation.evaluator import RecordFact, evaluate, person_facts, snapshot
from society.services.training.progress import progress_for

from . import factories
from .queries import progress_statements

ON = date(2025, 6, 1)


def candidate(society, name="uk", label="2016", started=date(2022, 1, 1), **person_kw):
    rule_set = factories.shipped_rule_set(society, name)
    person = factories.person(**person_kw)
    factories.membership(person, society)
    version = factories.version_labelled(rule_set, label) if label else rule_set.versions[0]
    return factories.accreditation(person, version, training_started_on=started)


def test_only_the_persons_approved_records_count(society):
    accreditation = candidate(society)
    other = factories.person()
    person = accreditation.person
    ongoing = "ongoing_group"  # where the UK rule counts group sessions
    factories.training_record(person, units=10, status="approved", tags=ongoing)
    factories.training_record(person, units=10, status="pending", tags=ongoing)
    factories.training_record(person, units=10, status="rejected", rejection_reason="No such session", tags=ongoing)
    factories.training_record(other, units=10, status="approved", tags=ongoing)
    report = progress_for(accreditation, ON)
    participation = next(r for r in report.requirements if r.requirement.kind == "participation"
                         and not r.requirement.is_prerequisite and r.requirement.unit == "session")
    assert participation.counted == 10


def test_every_shipped_rule_set_gives_the_same_progress_from_the_database_as_record_by_record(society):
    """Whatever constructs a shipped rule set uses, reading the database loses no fact it looks at."""
    from society.services.accreditation import rulesets
    person = factories.person(psychodynamically_trained=True, psychotherapy_qualified_on=date(2021, 5, 1))
    factories.membership(person, society)
    rng = random.Random(11)
    facts = []
    for _ in range(150):
        values = dict(kind=rng.choice(RECORD_KINDS), occurred_on=date(2021, 1, 1) + timedelta(days=rng.randint(0, 1600)),
                      unit=rng.choice(UNITS), units=Decimal(rng.randint(1, 300)) / 100, minutes=rng.randint(0, 240),
                      in_person=rng.random() < 0.7, with_accredited_leader=rng.random() < 0.5)
        factories.training_record(person, **values)
        facts.append(RecordFact(**values))
    for name in rulesets.SHIPPED:
        for rule_set in rulesets.load_shipped_file(name, society):
            for version in rule_set.versions:
                accreditation = factories.accreditation(person, version, training_started_on=date(2022, 1, 1))
                rules = snapshot(version)
                expected = evaluate(rules, facts, person_facts(person, date(2022, 1, 1), ON), ON)
                assert progress_for(accreditation, ON) == expected, (rule_set.code, version.label)


def test_psychotherapy_qualification_counts_from_its_date(society):
    rule_set = factories.rule_set(society)
    version = factories.rule_set_version(rule_set, requirements=[
        dict(kind="participation", unit="session", minimum=Decimal(1), option="a", applies_if="psychotherapy_qualified")])
    person = factories.person(psychotherapy_qualified_on=date(2025, 1, 1))
    accreditation = factories.accreditation(person, version)
    factories.training_record(person, occurred_on=date(2024, 1, 1))
    assert not progress_for(accreditation, date(2024, 12, 31)).met
    assert progress_for(accreditation, date(2025, 1, 1)).met


def every_window_version(society):
    rule_set = factories.rule_set(society)
    requirements = []
    for clause, (window, months) in enumerate([(w, 7 if w == "rolling_months" else None) for w in WINDOWS], start=1):
        requirements += [
            dict(clause=clause, option="a", kind="leading", also_counts="co_leading", unit="session",
                 minimum=Decimal(5), window_kind=window, window_months=months, label=f"sessions {window}"),
            dict(clause=clause, option="b", kind="supervision", unit="hour", minutes_per_unit=60, minimum=Decimal(3),
                 window_kind=window, window_months=months, requires_accredited_leader=True, label=f"hours {window}"),
            dict(clause=clause, option="c", kind="intensive", unit="event", minimum=Decimal(2), window_kind=window,
                 window_months=months, in_person_only=True, label=f"events {window}"),
        ]
    return factories.rule_set_version(rule_set, requirements=requirements)


def test_aggregated_progress_equals_counting_record_by_record(society):
    version = every_window_version(society)
    person = factories.person(psychodynamically_trained=True)
    accreditation = factories.accreditation(person, version, training_started_on=date(2023, 3, 15))
    rng = random.Random(7)
    facts = []
    for _ in range(400):
        values = dict(kind=rng.choice(RECORD_KINDS), occurred_on=date(2021, 1, 1) + timedelta(days=rng.randint(0, 1900)),
                      unit=rng.choice(UNITS), units=Decimal(rng.randint(0, 300)) / 100, minutes=rng.randint(0, 240),
                      in_person=rng.random() < 0.7, with_accredited_leader=rng.random() < 0.5)
        status = rng.choice(["approved", "approved", "pending"])
        factories.training_record(person, status=status, **values)
        if status == "approved":
            facts.append(RecordFact(**values))
    rules = snapshot(version)
    for day in (date(2022, 6, 30), date(2023, 3, 14), date(2023, 3, 15), date(2024, 2, 29), ON, date(2027, 1, 1)):
        expected = evaluate(rules, facts, person_facts(person, accreditation.training_started_on, day), day)
        assert progress_for(accreditation, day) == expected, day


def test_query_count_does_not_grow_with_records_or_requirements(society):
    version = every_window_version(society)
    small, large = factories.person(), factories.person()
    few = factories.accreditation(small, version)
    many = factories.accreditation(large, version)
    factories.training_record(small)
    for k in range(300):
        factories.training_record(large, kind=RECORD_KINDS[k % 5], occurred_on=date(2021, 1, 1) + timedelta(days=k * 5))
    db.session.commit()

    def queries(accreditation):
        statements = progress_statements(accreditation.id, ON)
        record_queries = [s for s in statements if "training_records" in s]
        return len(statements), len(record_queries)

    assert queries(few) == queries(many)
    assert queries(many)[1] == 1



def test_a_records_provider_report_kind_and_tags_count_where_the_rules_ask_for_them(society):
    """Under the ANZ pathway a BSANZ intensive, an international workshop, the final supervisor's report
    and an ongoing group count only with the facts their records carry."""
    accreditation = candidate(society, "anz", label=None, started=date(2023, 1, 1))
    person = accreditation.person
    approved = dict(unit="event", status="approved")
    factories.training_record(person, kind="intensive", occurred_on=date(2024, 3, 1), provider="BSANZ",
                              tags="two_day", **approved)
    factories.training_record(person, kind="intensive", occurred_on=date(2024, 9, 1), provider="IBF", **approved)
    factories.training_record(person, kind="intensive", occurred_on=date(2024, 10, 1), **approved)  # no provider
    factories.training_record(person, kind="supervisor_report", occurred_on=date(2024, 6, 1),
                              report_kind="six_monthly", **approved)
    factories.training_record(person, kind="supervisor_report", occurred_on=date(2025, 1, 1), report_kind="final",
                              **approved)
    factories.training_record(person, kind="leading", occurred_on=date(2024, 4, 1), status="approved",
                              tags="ongoing_group,two_day")
    report = {r.requirement.code: r for r in progress_for(accreditation, ON).requirements}
    assert report["intensive_bsanz"].counted == 1 and report["intensive_bsanz"].met
    assert report["intensives"].counted == 1  # the BSANZ one only: two are asked for
    assert report["international_workshop"].met
    assert report["final_report"].met
    assert report["six_monthly_reports"].counted == 1
    assert report["ongoing_group"].met


def test_every_shipped_rule_set_reads_the_records_facts_from_the_database_as_record_by_record(society):
    """Provider, report kind and tags reach the evaluator exactly as a ledger file would give them."""
    from society.presentation.records import PROVIDERS, REPORT_KINDS, TAGS
    from society.services.accreditation import rulesets
    person = factories.person(psychodynamically_trained=True, psychotherapy_qualified_on=date(2021, 5, 1))
    factories.membership(person, society)
    rng = random.Random(13)
    facts = []
    for _ in range(150):
        tags = tuple(sorted(rng.sample(TAGS, rng.randint(0, 2))))
        values = dict(kind=rng.choice(RECORD_KINDS), occurred_on=date(2021, 1, 1) + timedelta(days=rng.randint(0, 1600)),
                      unit=rng.choice(UNITS), units=Decimal(rng.randint(1, 300)) / 100, minutes=rng.randint(0, 240),
                      in_person=rng.random() < 0.7, provider=rng.choice((None, *PROVIDERS)),
                      report_kind=rng.choice((None, *REPORT_KINDS)))
        factories.training_record(person, tags=",".join(tags) or None, **values)
        facts.append(RecordFact(tags=tags, **values))
    for name in rulesets.SHIPPED:
        for rule_set in rulesets.load_shipped_file(name, society):
            for version in rule_set.versions:
                accreditation = factories.accreditation(person, version, training_started_on=date(2022, 1, 1))
                expected = evaluate(snapshot(version), facts, person_facts(person, date(2022, 1, 1), ON), ON)
                assert progress_for(accreditation, ON) == expected, (rule_set.code, version.label)
