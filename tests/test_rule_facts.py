"""The person's facts and records as the rules see them, read from the database in a few queries."""
from datetime import date

from society.extensions import db
from society.services.accreditation.evaluator import (
    HeldCredential, MembershipSpan, Qualification, person_facts, snapshot,
)
from society.services.accreditation.facts import record_facts
from society.services.accreditation.rulesets import load_rule_set
from society.services.training.progress import progress_for

from . import factories
from .queries import progress_statements

ON = date(2025, 6, 30)


def trainer_rules(society, code="xx-leader"):
    """A rule set whose supervision counts only with a supervisor holding ``xx-trainer`` on the day."""
    requirement = {"label": "Two supervisions with a Leader Trainer", "kind": "supervision", "unit": "session",
                   "minimum": 2, "constraints": {"only": {"supervisor_credential": "xx-trainer"}}}
    data = {"code": code, "credential_title": "Leader",
            "versions": [{"label": "current", "effective_from": "2020-01-01", "requirements": [requirement]}]}
    return load_rule_set(data, society)


def trainer(society, granted_on=date(2024, 1, 1), **kw):
    person = factories.person()
    rule_set = factories.rule_set(factories.society(), code="xx-trainer")  # each trainer's own society
    version = factories.rule_set_version(rule_set)
    factories.accreditation(person, version, **{"status": "granted", "granted_on": granted_on, **kw})
    return person


def test_person_facts_hold_qualification_condition_memberships_and_credentials(society):
    person = factories.person(psychotherapy_qualified_on=date(2020, 5, 1), psychodynamically_trained=True)
    factories.membership(person, society, joined_on=date(2019, 1, 1), ended_on=date(2021, 12, 31),
                        end_reason="lapsed")
    other = factories.society()
    factories.membership(person, other, joined_on=date(2022, 3, 1))
    version = factories.rule_set_version(factories.rule_set(society, code="xx-leader"))
    factories.accreditation(person, version, status="granted", granted_on=date(2023, 1, 1),
                            expires_on=date(2028, 1, 1))
    facts = person_facts(person, date(2022, 1, 1), ON)
    assert facts.qualifications == (Qualification("psychotherapy", date(2020, 5, 1)),)
    assert facts.satisfies("psychodynamically_trained") and "psychodynamically_trained" in facts.conditions
    assert facts.memberships == (MembershipSpan(society.code, date(2019, 1, 1), date(2021, 12, 31)),
                                 MembershipSpan(other.code, date(2022, 3, 1), None))
    assert facts.credentials == (HeldCredential("xx-leader", date(2023, 1, 1), date(2028, 1, 1)),)
    assert not facts.member_throughout(society.code, date(2021, 1, 1), ON)
    assert facts.member_throughout(other.code, date(2022, 3, 1), ON)


def test_a_suspension_ends_the_credential_the_day_before_it_takes_effect(society):
    person = trainer(society, status="suspended", invalid_from=date(2025, 1, 1))
    facts = person_facts(person, None, ON)
    assert facts.credentials == (HeldCredential("xx-trainer", date(2024, 1, 1), date(2024, 12, 31)),)


def test_supervision_counts_only_while_the_supervisor_holds_the_credential(society):
    rule_set = trainer_rules(society)
    supervisor = trainer(society, granted_on=date(2024, 6, 1))
    person = factories.person()
    accreditation = factories.accreditation(person, rule_set.versions[0], training_started_on=date(2024, 1, 1))
    for day in (date(2024, 3, 1), date(2024, 7, 1)):
        factories.training_record(person, kind="supervision", occurred_on=day, supervisor_id=supervisor.id)
    report = progress_for(accreditation, ON)
    (requirement,) = report.requirements
    assert requirement.counted == 1 and not report.met  # in March the supervisor was not yet a Leader Trainer
    factories.training_record(person, kind="supervision", occurred_on=date(2025, 1, 1), supervisor_id=supervisor.id)
    assert progress_for(accreditation, ON).met


def test_a_records_group_tells_whether_it_was_closed_and_who_co_led(society):
    co_leader = trainer(society)
    person = factories.person()
    closed = factories.group(society, accepting_members=False)
    factories.group_leader(closed, co_leader, starts_on=date(2023, 1, 1))
    factories.group_leader(closed, person, starts_on=date(2023, 1, 1))
    factories.training_record(person, kind="co_leading", occurred_on=date(2024, 6, 1), group_id=closed.id)
    rules = trainer_rules(society)
    requirement = rules.versions[0].requirements[0]
    requirement.kind = "co_leading"
    requirement.constraints = {"only": {"any_of": [{"co_leader_credential": "xx-trainer"}, {"group_closed": True}]}}
    (fact,) = record_facts(person.id, snapshot(rules.versions[0]), ON)
    assert fact.group_closed and fact.co_leader_credentials == ("xx-trainer",)
    assert fact.supervisor_credentials == () and not fact.supervisor_listed
    requirement.constraints = {"only": {"in_person": True}}  # no rule asks who was there: not read
    (fact,) = record_facts(person.id, snapshot(rules.versions[0]), ON)
    assert not fact.group_closed and fact.co_leader_credentials == ()


def test_records_in_a_unit_no_requirement_counts_are_not_read_and_change_nothing(society):
    rule_set = trainer_rules(society)  # supervision in sessions, with a Leader Trainer
    supervisor = trainer(society)
    person = factories.person()
    accreditation = factories.accreditation(person, rule_set.versions[0])
    factories.training_record(person, kind="supervision", unit="session", occurred_on=date(2024, 7, 1),
                              supervisor_id=supervisor.id)
    factories.training_record(person, kind="supervision", unit="hour", occurred_on=date(2024, 7, 2),
                              supervisor_id=supervisor.id)
    factories.training_record(person, kind="leading", unit="session", occurred_on=date(2024, 7, 3))
    (fact,) = record_facts(person.id, snapshot(rule_set.versions[0]), ON)
    assert (fact.kind, fact.unit, fact.occurred_on) == ("supervision", "session", date(2024, 7, 1))
    (requirement,) = progress_for(accreditation, ON).requirements
    assert requirement.counted == 1
    rule_set.versions[0].requirements[0].minutes_per_unit = 60  # counted from minutes: any unit counts
    assert len(record_facts(person.id, snapshot(rule_set.versions[0]), ON)) == 2


def test_the_same_rules_read_each_persons_records_up_to_each_day(society):
    rules = snapshot(trainer_rules(society).versions[0])
    supervisor = trainer(society, granted_on=date(2020, 1, 1))
    first, second = factories.person(), factories.person()
    for person, days in ((first, (date(2024, 1, 1), date(2024, 6, 1))), (second, (date(2023, 1, 1),))):
        for day in days:
            factories.training_record(person, kind="supervision", occurred_on=day, supervisor_id=supervisor.id)
    assert [f.occurred_on for f in record_facts(first.id, rules, date(2024, 3, 1))] == [date(2024, 1, 1)]
    assert sorted(f.occurred_on for f in record_facts(first.id, rules, ON)) == [date(2024, 1, 1), date(2024, 6, 1)]
    assert [f.occurred_on for f in record_facts(second.id, rules, ON)] == [date(2023, 1, 1)]


def test_progress_with_constraints_asks_the_same_few_queries_for_many_records(society):
    rule_set = trainer_rules(society)
    supervisors = [trainer(society) for _ in range(3)]
    person = factories.person()
    accreditation_id = factories.accreditation(person, rule_set.versions[0]).id
    group = factories.group(society)

    def queries():
        return len(progress_statements(accreditation_id, ON, selects_only=True))

    factories.training_record(person, kind="supervision", occurred_on=date(2024, 7, 1), supervisor_id=supervisors[0].id,
                              group_id=group.id)
    few = queries()
    for index in range(30):
        factories.training_record(person, kind="supervision", occurred_on=date(2024, 8, 1 + index % 28),
                                  supervisor_id=supervisors[index % 3].id, group_id=group.id)
    assert queries() == few


def test_only_verified_qualifications_become_the_rules_facts_under_the_words_the_rules_use(society, admin):
    from datetime import datetime, timezone

    person = factories.person()
    verified = {"verified_by_id": admin.id, "verified_at": datetime(2024, 1, 2, tzinfo=timezone.utc)}
    factories.qualification(person, "psychoanalysis", date(2018, 3, 1), **verified)
    factories.qualification(person, "uk_form_a_registered", date(2026, 1, 5), **verified)
    factories.qualification(person, "indemnity_insured", date(2020, 1, 1))  # claimed, not verified
    db.session.commit()

    facts = person_facts(person, None, ON)
    # Psychoanalysis is the DBG's "psychotherapy qualification" and the UK's psychodynamic training.
    assert facts.qualified_on("psychotherapy") == date(2018, 3, 1) == facts.qualified_on("psychoanalysis")
    assert facts.satisfies("psychodynamically_trained")
    assert not facts.satisfies("uk_form_a_registered")  # recorded for a later day: not yet on ON
    assert person_facts(person, None, date(2026, 2, 1)).satisfies("uk_form_a_registered")
    assert not facts.satisfies("indemnity_insured")  # a claim counts once another administrator verified it


def test_a_records_group_tells_whether_one_leader_led_it_since_the_persons_first_record_in_it(society):
    person = factories.person()
    group = factories.group(society, accepting_members=False)
    factories.group_leader(group, factories.person(), starts_on=date(2023, 1, 1), ends_on=date(2024, 6, 30))
    factories.group_leader(group, factories.person(), starts_on=date(2024, 7, 1))
    for day in (date(2024, 3, 1), date(2024, 5, 1), date(2024, 8, 1)):
        factories.training_record(person, kind="participation", occurred_on=day, group_id=group.id)
    rules = trainer_rules(society)
    requirement = rules.versions[0].requirements[0]
    requirement.kind = "participation"
    requirement.constraints = {"only": {"fixed_leader": True, "group_closed": True}}
    facts = sorted(record_facts(person.id, snapshot(rules.versions[0]), ON), key=lambda f: f.occurred_on)
    # the first leader led it from the first record to the second; after the change of leader, nobody had
    assert [(f.group_closed, f.fixed_leader) for f in facts] == [(True, True), (True, True), (True, False)]
    for _ in range(2):
        factories.participant(group, factories.person(), starts_on=date(2024, 4, 1))
    requirement.constraints = {"only": {"min_group_size": 2}}
    facts = sorted(record_facts(person.id, snapshot(rules.versions[0]), ON), key=lambda f: f.occurred_on)
    assert [f.group_size for f in facts] == [0, 2, 2]


def test_a_participants_sessions_tell_whether_the_group_was_closed_with_a_fixed_leader_and_its_size(society):
    from society.models import Attendance, GroupSession
    from society.services.accreditation import participant_credentials

    person = factories.member_person(society)
    closed = factories.group(society, accepting_members=False)
    factories.group_leader(closed, factories.person(), starts_on=date(2024, 1, 1))
    open_group = factories.group(society, accepting_members=True)
    factories.group_leader(open_group, factories.person(), starts_on=date(2024, 1, 1))
    for member in [person] + [factories.person() for _ in range(8)]:  # nine in the closed group
        factories.participant(closed, member, starts_on=date(2024, 1, 1))
    factories.participant(closed, factories.person(), starts_on=date(2024, 3, 2))  # a tenth, the day after
    factories.participant(open_group, person, starts_on=date(2024, 1, 1))
    for group, day in ((closed, date(2024, 3, 1)), (open_group, date(2024, 4, 1))):
        session = GroupSession(group=group, held_on=day, minutes=90, format="online")
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, person_id=person.id))
    db.session.flush()
    facts = participant_credentials.record_facts(person.id, ON)
    assert [(f.in_person, f.group_closed, f.fixed_leader, f.group_size) for f in facts] == [
        (False, True, True, 9), (False, False, True, 1)]


def test_the_specialist_title_in_psychosomatic_medicine_and_psychotherapy_is_a_psychotherapy_qualification(society, admin):
    from datetime import datetime, timezone

    person, psychiatrist = factories.person(), factories.person()
    verified = {"verified_by_id": admin.id, "verified_at": datetime(2024, 1, 2, tzinfo=timezone.utc)}
    factories.qualification(person, "psychosomatic_specialist", date(2017, 4, 1), **verified)
    factories.qualification(psychiatrist, "psychiatry_specialist", date(2017, 4, 1), **verified)
    db.session.commit()
    assert person_facts(person, None, ON).qualified_on("psychotherapy") == date(2017, 4, 1)
    assert person_facts(psychiatrist, None, ON).qualified_on("psychotherapy") is None  # not named by the DBG


def test_a_verified_qualification_gives_the_day_its_training_began_under_the_words_the_rules_use(society, admin):
    from datetime import datetime, timezone

    person = factories.person()
    factories.qualification(person, "psychoanalysis", date(2018, 3, 1), training_started_on=date(2012, 9, 1),
                            verified_by_id=admin.id, verified_at=datetime(2024, 1, 2, tzinfo=timezone.utc))
    other = factories.person()
    factories.qualification(other, "psychodynamic_training", date(2018, 3, 1),  # the start not recorded
                            verified_by_id=admin.id, verified_at=datetime(2024, 1, 2, tzinfo=timezone.utc))
    db.session.commit()
    assert person_facts(person, None, ON).training_started_for("psychodynamic_training") == date(2012, 9, 1)
    assert person_facts(other, None, ON).training_started_for("psychodynamic_training") is None


def test_records_say_which_group_and_how_many_days_when_a_rule_asks(society):
    data = {"code": "xx-groups", "credential_title": "Leader", "versions": [{
        "label": "current", "effective_from": "2020-01-01", "requirements": [
            {"label": "Mostly in one group", "kind": "participation", "unit": "session", "minimum": 1,
             "constraints": {"one_group": {"more_than": 0.5}}},
            {"label": "A first 4-day intensive", "kind": "intensive", "unit": "event", "minimum": 1,
             "constraints": {"first": {"min_days": 4}}}]}]}
    version = load_rule_set(data, society).versions[0]
    person, group = factories.person(), factories.group(society)
    factories.approved_records(
        person, dict(kind="participation", occurred_on=date(2024, 1, 1), group_id=group.id),
        dict(kind="participation", occurred_on=date(2024, 2, 1), outside_group="Balintgruppe Köln"),
        dict(kind="participation", occurred_on=date(2024, 3, 1)),
        dict(kind="intensive", unit="event", occurred_on=date(2024, 4, 1), days=4))
    db.session.commit()
    facts = sorted(record_facts(person.id, snapshot(version), ON), key=lambda r: r.occurred_on)
    assert [r.group for r in facts] == [f"#{group.id}", "Balintgruppe Köln", None, None]
    assert [r.days for r in facts] == [None, None, None, 4]
    report = progress_for(factories.accreditation(person, version), ON)
    assert not report.met  # one of three in each group: no group holds most of them
    assert report.requirements[1].met
