"""What if a draft version took effect: which current candidates would gain or lose eligibility, and why."""
from datetime import date, timedelta

from society.extensions import db
from society.services.accreditation.what_if import what_if
from society.services.training.progress import progress_for

from . import factories
from .queries import what_if_selects

ON = date(2026, 6, 1)
DRAFT_STARTS = date.today() + timedelta(days=60)


def current_and_draft(society, code: str, requirement: dict, **draft_changes):
    """A rule set ``code`` whose current version asks ``requirement`` and whose draft (effective in 60
    days) asks it with ``draft_changes``."""
    rule_set = factories.rule_set(society, code=code)
    current = factories.rule_set_version(rule_set, label="2020", requirements=[requirement])
    draft = factories.rule_set_version(rule_set, label="2027", effective_from=DRAFT_STARTS,
                                       requirements=[dict(requirement, **draft_changes)])
    return current, draft


def rule_set_with_draft(society, *, draft_minimum=25):
    """A rule set whose current version asks for 20 sessions, and a draft asking for ``draft_minimum``
    sessions but no supervisor's report."""
    rule_set = factories.rule_set(society, code="what-if")
    current = factories.rule_set_version(rule_set, label="2020", requirements=[
        dict(clause=1, kind="participation", unit="session", minimum=20, label="Group sessions"),
        dict(clause=2, kind="supervisor_report", unit="event", minimum=1, label="Supervisor's report"),
    ])
    draft = factories.rule_set_version(rule_set, label="2027", effective_from=DRAFT_STARTS, requirements=[
        dict(clause=1, kind="participation", unit="session", minimum=draft_minimum, label="Group sessions"),
    ])
    return rule_set, current, draft


def candidate(society, version, name, sessions, report=False, status="in_training"):
    person = factories.member_person(society, given_name=name, family_name="Candidate")
    granted = dict(granted_on=date(2025, 6, 1)) if status == "granted" else {}
    factories.accreditation(person, version, status=status, **granted)
    records = [dict(kind="participation", occurred_on=date(2024, 1, 1) + timedelta(days=7 * i)) for i in range(sessions)]
    if report:
        records.append(dict(kind="supervisor_report", unit="event", occurred_on=date(2025, 1, 1)))
    factories.approved_records(person, *records)
    return person


def test_a_candidate_who_would_lose_one_who_would_gain_and_one_who_stays(society):
    _, current, draft = rule_set_with_draft(society)
    candidate(society, current, "Loses", 22, report=True)      # met now; 22 of 25 under the draft
    candidate(society, current, "Gains", 26, report=False)     # the report is wanting now; the draft drops it
    candidate(society, current, "Stays", 30, report=True)      # met either way
    candidate(society, current, "Never", 5, status="applied")  # met neither way
    db.session.commit()

    report = what_if(draft, ON)

    assert [c.name for c in report.loses] == ["Loses Candidate"]
    assert [c.name for c in report.gains] == ["Gains Candidate"]
    assert sorted(c.name for c in report.stays) == ["Never Candidate", "Stays Candidate"]
    (lost,) = report.loses
    (why,) = lost.changes
    assert why.label == "Group sessions"
    assert (why.before["met"], why.after["met"], why.after["have"], why.after["missing"]) == (True, False, 22, 3)
    (gained,) = report.gains
    (why,) = gained.changes
    assert why.label == "Supervisor's report" and why.after is None and not why.before["met"]


def test_only_current_candidates_of_this_rule_set_are_judged(society):
    rule_set, current, draft = rule_set_with_draft(society)
    candidate(society, current, "Granted", 30, report=True, status="granted")
    candidate(society, current, "Rejected", 30, report=True, status="rejected")
    other = factories.rule_set_version(factories.rule_set(society, code="other"), requirements=[
        dict(clause=1, kind="participation", unit="session", minimum=1)])
    candidate(society, other, "Elsewhere", 30)
    candidate(society, current, "Training", 3)
    db.session.commit()
    assert [c.name for c in what_if(draft, ON).candidates] == ["Training Candidate"]


def test_pending_and_later_records_do_not_count(society):
    _, current, draft = rule_set_with_draft(society, draft_minimum=20)
    person = candidate(society, current, "Pending", 19, report=True)
    factories.training_record(person, status="pending", occurred_on=date(2025, 1, 1))
    factories.training_record(person, occurred_on=ON + timedelta(days=1))
    db.session.commit()
    (outcome,) = what_if(draft, ON).candidates
    assert (outcome.met_now, outcome.met_draft, outcome.effect) == (False, False, "stays")


def test_the_queries_do_not_grow_with_the_candidates(society):
    _, current, draft = rule_set_with_draft(society)
    for index in range(3):
        candidate(society, current, f"First{index}", 20 + index, report=True)
    db.session.commit()
    _report, few = what_if_selects(draft, ON)
    for index in range(12):
        candidate(society, current, f"More{index}", 18 + index, report=index % 2 == 0)
    db.session.commit()
    report, many = what_if_selects(draft, ON)
    assert len(report.candidates) == 15
    # The draft (version, rule set, society, requirements), the candidates with their versions' requirements,
    # their records, and their facts (verified qualifications, credentials, memberships): ten, for 3 or 15.
    assert len(many) == len(few) <= 10


def test_the_page_lists_who_gains_and_who_loses_with_the_reason(admin_client, society):
    rule_set, current, draft = rule_set_with_draft(society)
    candidate(society, current, "Loses", 22, report=True)
    candidate(society, current, "Gains", 26)
    db.session.commit()
    assert f'/admin/rule-sets/versions/{draft.id}/what-if' in admin_client.get(
        f"/admin/rule-sets/{rule_set.id}").get_data(as_text=True)
    response = admin_client.get(f"/admin/rule-sets/versions/{draft.id}/what-if?on={ON.isoformat()}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    loses = page[page.index('id="what-if-loses"'):page.index("Would gain eligibility")]
    gains = page[page.index('id="what-if-gains"'):]
    assert "Loses Candidate" in loses and "Group sessions" in loses and "Missing: 3 sessions" in loses
    assert "Gains Candidate" in gains and "not required" in gains
    assert "1 would lose eligibility" in page and "1 would gain it" in page


def test_the_page_in_swedish(admin_client, society):
    _, current, draft = rule_set_with_draft(society)
    candidate(society, current, "Loses", 22, report=True)
    db.session.commit()
    page = admin_client.get(f"/admin/rule-sets/versions/{draft.id}/what-if?on={ON.isoformat()}",
                            headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Skulle förlora behörigheten" in page and "Loses Candidate" in page


def test_another_societys_version_and_leaders_are_refused(admin_client, leader_client, society):
    other = factories.society()
    _, _, draft = rule_set_with_draft(other)
    db.session.commit()
    assert admin_client.get(f"/admin/rule-sets/versions/{draft.id}/what-if").status_code == 404
    assert leader_client.get(f"/admin/rule-sets/versions/{draft.id}/what-if").status_code == 403


def test_a_rule_on_the_records_own_facts_sees_them_in_the_what_if(society):
    ongoing = dict(clause=1, kind="participation", unit="session", minimum=20, label="Sessions in an ongoing group",
                   constraints={"only": {"tags_any": ["ongoing_group"]}})
    current, draft = current_and_draft(society, "what-if-tags", ongoing, minimum=25)
    person = factories.member_person(society, given_name="Tagged", family_name="Candidate")
    factories.accreditation(person, current)
    factories.approved_records(person, *[dict(kind="participation", occurred_on=date(2024, 1, 1) + timedelta(days=7 * i),
                                              tags="ongoing_group") for i in range(22)])
    db.session.commit()
    (outcome,) = what_if(draft, ON).candidates
    assert outcome.met_now and not outcome.met_draft and outcome.effect == "loses"


def listed_supervision_rule_set(society):
    """Supervision counts only with a supervisor on the society's list: 12 sessions now, 13 in the draft."""
    listed = dict(clause=1, kind="supervision", unit="session", minimum=12, label="Supervision by a listed supervisor",
                  constraints={"only": {"supervisor_listed": True}})
    return current_and_draft(society, "what-if-listed", listed, minimum=13)


def supervised_candidate(society, version, name, supervisor):
    person = factories.member_person(society, given_name=name, family_name="Candidate")
    accreditation = factories.accreditation(person, version)
    for week in range(12):
        factories.training_record(person, kind="supervision", occurred_on=date(2024, 1, 1) + timedelta(days=7 * week),
                                  supervisor_id=supervisor.id)
    return accreditation


def test_the_what_if_sees_who_supervised_as_the_progress_page_does(society):
    current, draft = listed_supervision_rule_set(society)
    listed, unlisted = factories.member_person(society), factories.member_person(society)
    factories.supervisor_listing(society, listed, listed_from=date(2020, 1, 1))
    with_listed = supervised_candidate(society, current, "Listed", listed)
    with_unlisted = supervised_candidate(society, current, "Unlisted", unlisted)
    db.session.commit()
    outcomes = {o.accreditation_id: o for o in what_if(draft, ON).candidates}
    # The same verdict as the candidate's own progress page, under the version they are on.
    for accreditation in (with_listed, with_unlisted):
        assert outcomes[accreditation.id].met_now == progress_for(accreditation, ON).met
    assert outcomes[with_listed.id].effect == "loses"  # 12 listed sessions: met now, one short of the draft
    assert not outcomes[with_unlisted.id].met_now and outcomes[with_unlisted.id].effect == "stays"


def test_the_queries_do_not_grow_with_the_candidates_when_rules_look_at_who_was_there(society):
    current, draft = listed_supervision_rule_set(society)
    supervisor = factories.member_person(society)
    factories.supervisor_listing(society, supervisor)
    supervised_candidate(society, current, "First", supervisor)
    db.session.commit()
    _report, few = what_if_selects(draft, ON)
    for index in range(8):
        supervised_candidate(society, current, f"More{index}", factories.member_person(society))
    db.session.commit()
    report, many = what_if_selects(draft, ON)
    assert len(report.candidates) == 9
    assert len(many) == len(few)


def test_the_what_if_counts_one_groups_share_as_the_progress_page_does(society):
    """DBG: "mostly in one continuous group": the share of the largest group, read for every candidate."""
    mostly = dict(clause=1, kind="participation", unit="session", minimum=10, label="Mostly in one group",
                  constraints={"one_group": {"more_than": 0.5}})
    current, draft = current_and_draft(society, "what-if-one-group", mostly,
                                       constraints={"one_group": {"more_than": 0.6}})
    home, other = factories.group(society), factories.group(society)
    accreditations = {}
    for name, in_home in (("Mostly", 6), ("Split", 5)):
        person = factories.member_person(society, given_name=name, family_name="Candidate")
        accreditations[name] = factories.accreditation(person, current)
        factories.approved_records(person, *[
            dict(kind="participation", occurred_on=date(2024, 1, 1) + timedelta(days=7 * week),
                 group_id=(home if week < in_home else other).id) for week in range(10)])
    db.session.commit()
    outcomes = {o.accreditation_id: o for o in what_if(draft, ON).candidates}
    for accreditation in accreditations.values():
        assert outcomes[accreditation.id].met_now == progress_for(accreditation, ON).met
    assert outcomes[accreditations["Mostly"].id].effect == "loses"  # 6 of 10: more than half, not more than 60 %
    assert not outcomes[accreditations["Split"].id].met_now  # 5 of 10 is half, not more
