"""A group's openness on the day (issue 13): a dated history of "closed to new members", written by every
path that changes the setting, corrected by administrators, and read by the rules on each session's day."""
import io
import json
from datetime import date, timedelta

from sqlalchemy import select

from society.extensions import db
from society.models import AuditEvent, Group, GroupOpenness
from society.services.accreditation.evaluator import snapshot
from society.services.accreditation.facts import record_facts
from society.services.accreditation.rulesets import load_rule_set
from society.services.accreditation.what_if import what_if
from society.services.training.progress import progress_for

from . import factories
from .queries import what_if_selects
from .test_what_if import current_and_draft

ON = date(2026, 6, 1)


def history_of(group) -> list[tuple[date, bool]]:
    return [(row.effective_from, row.accepting_members) for row in db.session.scalars(
        select(GroupOpenness).where(GroupOpenness.group_id == group.id).order_by(GroupOpenness.effective_from))]


# -- the rules read the state on the session's day -------------------------------------------------

def closed_group_rules(society, minimum=2, code="closed-only"):
    """Online co-leading counts only in a group closed to new members (as Grundversorgung asks)."""
    requirement = {"label": "Co-leading in a closed group", "kind": "co_leading", "unit": "session",
                   "minimum": minimum, "constraints": {"only": {"group_closed": True}}}
    return load_rule_set({"code": code, "credential_title": "Leader", "versions": [
        {"label": "current", "effective_from": "2020-01-01", "requirements": [requirement]}]}, society)


def co_led(society, group, days):
    person = factories.person()
    factories.group_leader(group, person, starts_on=date(2023, 1, 1))
    for day in days:
        factories.training_record(person, kind="co_leading", occurred_on=day, group_id=group.id)
    return person


def test_a_session_held_while_the_group_was_closed_counts_after_the_group_reopens(society):
    rules = closed_group_rules(society, minimum=2)
    group = factories.group(society)
    factories.group_openness(group, (date(2023, 1, 1), False))
    person = co_led(society, group, [date(2024, 3, 1), date(2024, 4, 1)])
    accreditation = factories.accreditation(person, rules.versions[0])
    assert progress_for(accreditation, ON).met
    factories.group_openness(group, (date(2025, 1, 1), True))  # the group opens later
    assert [f.group_closed for f in record_facts(person.id, snapshot(rules.versions[0]), ON)] == [True, True]
    assert progress_for(accreditation, ON).met


def test_a_session_held_while_the_group_was_open_does_not_count_after_it_closes(society):
    rules = closed_group_rules(society, minimum=2)
    group = factories.group(society)
    factories.group_openness(group, (date(2023, 1, 1), True), (date(2024, 4, 1), False))
    person = co_led(society, group, [date(2024, 3, 31), date(2024, 4, 1)])
    accreditation = factories.accreditation(person, rules.versions[0])
    assert [f.group_closed for f in sorted(record_facts(person.id, snapshot(rules.versions[0]), ON),
                                           key=lambda f: f.occurred_on)] == [False, True]
    report = progress_for(accreditation, ON)
    assert report.requirements[0].counted == 1 and not report.met


def test_before_its_first_entry_a_group_reads_as_its_first_state_and_without_history_as_its_setting(society):
    rules = closed_group_rules(society, minimum=1)
    dated = factories.group(society)
    factories.group_openness(dated, (date(2025, 1, 1), False), (date(2025, 6, 1), True))
    undated = factories.group(society, accepting_members=False)  # no history: its setting holds
    early = co_led(society, dated, [date(2024, 1, 1)])
    other = co_led(society, undated, [date(2024, 1, 1)])
    assert record_facts(early.id, snapshot(rules.versions[0]), ON)[0].group_closed
    assert record_facts(other.id, snapshot(rules.versions[0]), ON)[0].group_closed


def test_a_participants_attended_sessions_read_the_groups_openness_on_each_day(society):
    from society.services.accreditation import participant_credentials

    from .test_participation import attended

    group = factories.group(society, format="online")
    factories.group_openness(group, (date(2024, 1, 1), True), (date(2024, 6, 1), False), (date(2025, 1, 1), True))
    person = factories.member_person(society)
    for day in (date(2024, 5, 31), date(2024, 6, 1), date(2025, 1, 1)):
        attended(group, person, day, session_format="online")
    facts = participant_credentials.record_facts(person.id, ON)
    assert [(f.occurred_on, f.group_closed) for f in facts] == [
        (date(2024, 5, 31), False), (date(2024, 6, 1), True), (date(2025, 1, 1), False)]


def what_if_rules(society):
    closed = dict(clause=1, kind="co_leading", unit="session", minimum=2, label="Co-leading in a closed group",
                  constraints={"only": {"group_closed": True}})
    return current_and_draft(society, "what-if-closed", closed, minimum=3)


def candidate_in(society, version, group, days, name):
    person = factories.member_person(society, given_name=name, family_name="Candidate")
    factories.group_leader(group, person, starts_on=date(2023, 1, 1))
    accreditation = factories.accreditation(person, version)
    for day in days:
        factories.training_record(person, kind="co_leading", occurred_on=day, group_id=group.id)
    return accreditation


def test_the_progress_page_and_the_what_if_agree_on_a_group_closed_then_reopened(society):
    current, draft = what_if_rules(society)
    group = factories.group(society)
    factories.group_openness(group, (date(2023, 1, 1), True), (date(2024, 1, 1), False), (date(2025, 1, 1), True))
    inside = candidate_in(society, current, group, [date(2024, 2, 1), date(2024, 3, 1)], "Inside")
    straddles = candidate_in(society, current, group, [date(2023, 12, 31), date(2024, 3, 1)], "Straddles")
    db.session.commit()
    outcomes = {o.accreditation_id: o for o in what_if(draft, ON).candidates}
    for accreditation in (inside, straddles):
        assert outcomes[accreditation.id].met_now == progress_for(accreditation, ON).met
    assert outcomes[inside.id].met_now and outcomes[inside.id].effect == "loses"
    assert not outcomes[straddles.id].met_now


def test_the_what_ifs_queries_do_not_grow_with_candidates_in_groups_with_a_history(society):
    current, draft = what_if_rules(society)
    group = factories.group(society)
    factories.group_openness(group, (date(2023, 1, 1), False))
    candidate_in(society, current, group, [date(2024, 2, 1)], "First")
    db.session.commit()
    _report, few = what_if_selects(draft, ON)
    for index in range(8):
        other = factories.group(society)
        factories.group_openness(other, (date(2023, 1, 1), False), (date(2024, 1, 1 + index), True))
        candidate_in(society, current, other, [date(2024, 2, 1)], f"More{index}")
    db.session.commit()
    report, many = what_if_selects(draft, ON)
    assert len(report.candidates) == 9
    assert len(many) == len(few)


# -- every path that changes the setting writes the history ----------------------------------------

GROUP_FORM = {"name": "Openness", "city": "Uppsala", "country": "SE", "format": "online", "language": "sv",
              "rhythm": "monthly", "session_minutes": "90", "status": "active", "audiences": ["gp"],
              "starts_on": "2024-01-01"}


def test_the_group_form_writes_the_history_in_the_same_save(admin_client, admin, society):
    admin_client.post("/admin/groups/new", data={**GROUP_FORM, "accepting_members": "y"})
    group = db.session.scalar(select(Group).where(Group.name == "Openness"))
    assert history_of(group) == [(date.today(), True)]
    admin_client.post(f"/admin/groups/{group.id}/edit", data={**GROUP_FORM, "version_id": str(group.version_id)})
    db.session.refresh(group)
    assert not group.accepting_members and history_of(group) == [(date.today(), False)]  # the same day: replaced
    row = db.session.scalar(select(GroupOpenness).where(GroupOpenness.group_id == group.id))
    assert row.set_by_id == admin.id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "GroupOpenness")
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]


def test_a_leader_closing_their_group_in_the_join_details_dates_it(leader_client, leader, society):
    group = factories.group(society, accepting_members=True)
    factories.group_openness(group, (date(2024, 1, 1), True))
    factories.group_leader(group, leader.person, starts_on=date(2024, 1, 1))
    db.session.commit()
    answer = leader_client.post(f"/portal/groups/{group.id}/join-details", data={
        "version_id": str(group.version_id), "term": "ongoing", "timezone": "Europe/Stockholm"})  # not ticked: closed
    assert answer.status_code == 302
    db.session.refresh(group)
    assert not group.accepting_members
    assert history_of(group) == [(date(2024, 1, 1), True), (date.today(), False)]
    latest = db.session.scalars(select(GroupOpenness).where(GroupOpenness.group_id == group.id)
                                .order_by(GroupOpenness.effective_from)).all()[-1]
    assert latest.set_by_id == leader.id


def test_imported_groups_start_their_history(admin_client, society):
    csv = ("name,format,audience,rhythm,session_minutes,accepting_members\n"
           "Imported open,in_person,gp,monthly,90,yes\nImported closed,online,gp,monthly,90,no\n")
    answer = admin_client.post("/admin/imports/", data={"kind": "groups", "file": (io.BytesIO(csv.encode()), "groups.csv")},
                               content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    batch_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    assert admin_client.post(f"/admin/imports/{batch_id}/commit").status_code == 302
    groups = {g.name: g for g in db.session.scalars(select(Group).where(Group.name.like("Imported%")))}
    assert history_of(groups["Imported open"]) == [(date.today(), True)]
    assert history_of(groups["Imported closed"]) == [(date.today(), False)]
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.entity_type == "GroupOpenness")) is not None


# -- administrators correct the history on the group's page ----------------------------------------

def test_the_group_page_corrects_the_history(admin_client, society):
    group = factories.group(society, starts_on=date(2024, 1, 1))
    factories.group_openness(group, (date(2024, 1, 1), True))
    db.session.commit()
    page = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert "Open to new members: history" in page and 'data-openness="2024-01-01"' in page
    answer = admin_client.post(f"/admin/groups/{group.id}/openness",
                               data={"state": "closed", "effective_from": "2024-03-01"})
    assert answer.status_code == 302
    db.session.refresh(group)
    assert history_of(group) == [(date(2024, 1, 1), True), (date(2024, 3, 1), False)]
    assert not group.accepting_members  # the latest entry is the setting now
    page = admin_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "The group was closed to new members from 2024-03-01." in page
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "GroupOpenness",
                                                         AuditEvent.action == "create").order_by(AuditEvent.id.desc()))
    assert json.loads(created.changes)["effective_from"] == [None, "2024-03-01"]

    row = db.session.scalar(select(GroupOpenness).where(GroupOpenness.effective_from == date(2024, 3, 1)))
    assert admin_client.post(f"/admin/groups/{group.id}/openness/{row.id}/delete").status_code == 302
    db.session.refresh(group)
    assert history_of(group) == [(date(2024, 1, 1), True)] and group.accepting_members
    (first,) = db.session.scalars(select(GroupOpenness).where(GroupOpenness.group_id == group.id)).all()
    refused = admin_client.post(f"/admin/groups/{group.id}/openness/{first.id}/delete")
    assert refused.status_code == 422 and "at least one entry" in refused.get_data(as_text=True)


def test_a_correction_in_the_future_or_before_the_group_started_is_refused(admin_client, society):
    group = factories.group(society, starts_on=date(2024, 1, 1))
    factories.group_openness(group, (date(2024, 1, 1), True))
    db.session.commit()
    for day, message in ((date.today() + timedelta(days=1), "cannot be in the future"),
                         (date(2023, 12, 31), "before the group started (2024-01-01)")):
        answer = admin_client.post(f"/admin/groups/{group.id}/openness",
                                   data={"state": "closed", "effective_from": day.isoformat()})
        assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    missing = admin_client.post(f"/admin/groups/{group.id}/openness", data={"effective_from": "2024-02-01"})
    assert missing.status_code == 422
    assert history_of(group) == [(date(2024, 1, 1), True)]


def test_the_correction_reads_in_swedish(admin_client, society):
    group = factories.group(society, starts_on=date(2024, 1, 1))
    factories.group_openness(group, (date(2024, 1, 1), True))
    db.session.commit()
    with admin_client.session_transaction() as session:
        session["lang"] = "sv"
    answer = admin_client.post(f"/admin/groups/{group.id}/openness",
                               data={"state": "closed", "effective_from": (date.today() + timedelta(days=1)).isoformat()})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Dagen kan inte ligga i framtiden." in text


def test_a_leader_of_another_group_cannot_correct_a_groups_history(leader_client, leader, society):
    theirs, other = factories.group(society), factories.group(society)
    factories.group_leader(theirs, leader.person, starts_on=date(2024, 1, 1))
    factories.group_openness(other, (date(2024, 1, 1), True))
    db.session.commit()
    answer = leader_client.post(f"/admin/groups/{other.id}/openness",
                                data={"state": "closed", "effective_from": "2024-03-01"})
    assert answer.status_code == 403
    (row,) = db.session.scalars(select(GroupOpenness).where(GroupOpenness.group_id == other.id)).all()
    assert leader_client.post(f"/admin/groups/{other.id}/openness/{row.id}/delete").status_code == 403
    assert leader_client.post(f"/portal/groups/{other.id}/join-details", data={"version_id": "1"}).status_code == 404
    assert history_of(other) == [(date(2024, 1, 1), True)]


def test_another_societys_administrator_cannot_see_or_correct_the_history(app, society):
    group = factories.group(society)
    factories.group_openness(group, (date(2024, 1, 1), True))
    stranger = factories.user(role="admin", society=factories.society(), email="stranger@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, stranger.email)
    answer = client.post(f"/admin/groups/{group.id}/openness", data={"state": "closed", "effective_from": "2024-03-01"})
    assert answer.status_code == 404
    assert history_of(group) == [(date(2024, 1, 1), True)]
