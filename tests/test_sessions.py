"""Sessions and attendance: the log produces each attendee's training record once, and corrections flow through."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from society import signals
from society.extensions import db
from society.models import Attendance, GroupSession, TrainingRecord
from society.services.groups import attendance

from . import factories

TODAY = date.today()
DAY = TODAY - timedelta(days=7)


@pytest.fixture
def group_with_people(society):
    """A group with an accredited leader, a trainee co-leader and three participants."""
    group = factories.group(society, session_minutes=90, format="in_person", starts_on=date(2024, 1, 1))
    leader = factories.member_person(society, given_name="Lena", family_name="Lead")
    factories.group_leader_accreditation(leader, society, granted_on=date(2020, 1, 1))
    co_leader = factories.member_person(society, given_name="Tor", family_name="Trainee")
    factories.group_leader(group, leader, role="leader")
    factories.group_leader(group, co_leader, role="co_leader", is_trainee=True)
    participants = [factories.member_person(society, given_name=f"P{i}", family_name="Part") for i in range(3)]
    for person in participants:
        factories.participant(group, person)
    return group, leader, co_leader, participants


def row_of(rows, person):
    return next(row for row in rows if row.person_id == person.id)


def records(group=None, session_id=None):
    stmt = select(TrainingRecord).order_by(TrainingRecord.person_id, TrainingRecord.kind)
    if session_id:
        stmt = stmt.where(TrainingRecord.session_id == session_id)
    return list(db.session.scalars(stmt))


def post_session(client, group, people, day=DAY, **extra):
    data = {"held_on": day.isoformat(), "attendees": [str(p.id) for p in people], **extra}
    return client.post(f"/groups/{group.id}/sessions/new", data=data)


def test_recording_attendance_produces_one_approved_record_per_attendee(admin_client, admin, group_with_people):
    group, leader, co_leader, (p1, p2, p3) = group_with_people
    response = post_session(admin_client, group, [leader, co_leader, p1, p2])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/groups/{group.id}")
    session = db.session.scalar(select(GroupSession))
    assert (session.held_on, session.minutes, session.format, session.recorded_by_id) == (DAY, 90, "in_person", admin.id)
    made = {(r.person_id, r.kind) for r in records()}
    assert made == {(leader.id, "leading"), (co_leader.id, "co_leading"), (p1.id, "participation"), (p2.id, "participation")}
    for record in records():
        assert (record.source, record.status, record.unit, record.units, record.minutes) == ("attendance", "approved", "session", Decimal(1), 90)
        assert (record.occurred_on, record.in_person, record.with_accredited_leader) == (DAY, True, True)
        assert (record.group_id, record.session_id) == (group.id, session.id)
    assert {a.person_id: a.role for a in db.session.scalars(select(Attendance))} == {
        leader.id: "leader", co_leader.id: "co_leader", p1.id: "participant", p2.id: "participant"}


def test_the_session_page_counts_attendance_and_records(admin_client, group_with_people):
    group, leader, _co, (p1, _p2, _p3) = group_with_people
    post_session(admin_client, group, [leader, p1])
    html = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert 'data-attended="2"' in html and 'data-records="2"' in html


def test_minutes_and_format_can_differ_from_the_group(admin_client, group_with_people):
    group, leader, _co, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, p1], minutes="120", format="online")
    assert {(r.minutes, r.in_person) for r in records()} == {(120, False)}


def test_without_an_accredited_leader_that_day_records_say_so(admin_client, society, group_with_people):
    group, leader, _co, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [p1], day=date(2019, 12, 31))  # before the group started: refused
    assert records() == []
    group.starts_on = date(2019, 1, 1)
    for row in group.leaders + group.participants:
        row.starts_on = date(2019, 1, 1)
    assert post_session(admin_client, group, [leader, p1], day=date(2019, 12, 31)).status_code == 302
    assert {r.with_accredited_leader for r in records()} == {False}  # accredited only from 2020


def test_a_day_twice_a_future_day_or_a_stranger_is_refused_with_the_input_kept(admin_client, society, group_with_people):
    group, leader, _co, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, p1])
    twice = post_session(admin_client, group, [p1], minutes="75")
    assert twice.status_code == 422
    assert "A session on this day is already recorded" in twice.get_data(as_text=True)
    assert 'value="75"' in twice.get_data(as_text=True)
    future = post_session(admin_client, group, [p1], day=TODAY + timedelta(days=1))
    assert future.status_code == 422 and "once it has taken place" in future.get_data(as_text=True)
    stranger = factories.member_person(society)
    outsider = post_session(admin_client, group, [stranger], day=DAY - timedelta(days=14))
    assert outsider.status_code == 422
    assert "Only the group&#39;s leaders and participants on that day can attend." in outsider.get_data(as_text=True)
    assert len(records()) == 2 and db.session.scalar(select(db.func.count(GroupSession.id))) == 1


def test_someone_who_left_before_the_session_cannot_attend_it(admin_client, society, group_with_people):
    group, _leader, _co, (p1, *_rest) = group_with_people
    row_of(group.participants, p1).ends_on = DAY - timedelta(days=1)
    response = post_session(admin_client, group, [p1])
    assert response.status_code == 422


def test_correcting_attendance_adds_removes_and_updates_the_records(admin_client, group_with_people):
    group, leader, co_leader, (p1, p2, p3) = group_with_people
    post_session(admin_client, group, [leader, p1, p2])
    session = db.session.scalar(select(GroupSession))
    kept = {r.person_id: r.id for r in records()}
    edit = admin_client.get(f"/groups/{group.id}/sessions/{session.id}/edit").get_data(as_text=True)
    assert f'value="{p1.id}" id="attendee-{p1.id}" checked' in edit
    new_day = DAY - timedelta(days=1)
    response = admin_client.post(f"/groups/{group.id}/sessions/{session.id}/edit", data={
        "held_on": new_day.isoformat(), "minutes": "100", "format": "online",
        "attendees": [str(leader.id), str(co_leader.id), str(p1.id), str(p3.id)]})
    assert response.status_code == 302
    after = {r.person_id: r for r in records()}
    assert set(after) == {leader.id, co_leader.id, p1.id, p3.id}  # p2 removed, co-leader and p3 added
    assert after[leader.id].id == kept[leader.id] and after[p1.id].id == kept[p1.id]  # updated, not replaced
    assert {(r.occurred_on, r.minutes, r.in_person) for r in after.values()} == {(new_day, 100, False)}
    assert after[co_leader.id].kind == "co_leading"


def test_saving_the_same_attendance_again_changes_nothing(admin_client, group_with_people):
    group, leader, _co, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, p1])
    session = db.session.scalar(select(GroupSession))
    before = [(r.id, r.person_id, r.kind) for r in records()]
    for _ in range(2):
        admin_client.post(f"/groups/{group.id}/sessions/{session.id}/edit",
                          data={"held_on": DAY.isoformat(), "attendees": [str(leader.id), str(p1.id)]})
    assert [(r.id, r.person_id, r.kind) for r in records()] == before


def test_a_changed_role_changes_the_kind_of_record(admin_client, group_with_people):
    group, _leader, co_leader, _participants = group_with_people
    post_session(admin_client, group, [co_leader])
    session = db.session.scalar(select(GroupSession))
    row_of(group.leaders, co_leader).role = "leader"
    admin_client.post(f"/groups/{group.id}/sessions/{session.id}/edit",
                      data={"held_on": DAY.isoformat(), "attendees": [str(co_leader.id)]})
    assert [(r.person_id, r.kind) for r in records()] == [(co_leader.id, "leading")]


def test_deleting_a_session_removes_its_records_and_attendance(admin_client, group_with_people):
    group, leader, _co, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, p1])
    other_record = factories.training_record(p1, kind="supervision", source="self")
    session = db.session.scalar(select(GroupSession))
    response = admin_client.post(f"/groups/{group.id}/sessions/{session.id}/delete",
                                 data={"reason": "Recorded on the wrong group"})
    assert response.status_code == 302
    assert [r.id for r in records()] == [other_record.id]
    assert db.session.scalar(select(db.func.count(Attendance.session_id))) == 0
    html = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert "Session removed" in html and "Session added" in html


def test_the_database_keeps_each_record_of_a_session_once(admin_client, group_with_people):
    group, leader, _co, _participants = group_with_people
    post_session(admin_client, group, [leader])
    session = db.session.scalar(select(GroupSession))
    with pytest.raises(IntegrityError):
        factories.training_record(leader, kind="leading", session_id=session.id, source="attendance")
    db.session.rollback()


def test_recording_sends_the_session_recorded_signal(admin, group_with_people):
    group, leader, _co, _participants = group_with_people
    received = []

    def listener(sender, **kwargs):
        received.append((sender.id, kwargs["created"], len(records(session_id=sender.id))))

    with signals.session_recorded.connected_to(listener):
        session = attendance.record_session(group, held_on=DAY, attendees=[leader.id], today=TODAY)
        attendance.update_session(session, held_on=DAY, attendees=[], today=TODAY, confirm_empty=True)
    assert received == [(session.id, True, 1), (session.id, False, 0)]


def test_the_session_form_lists_who_belonged_on_the_chosen_day(admin_client, society, group_with_people):
    group, _leader, _co, (p1, p2, _p3) = group_with_people
    row_of(group.participants, p1).ends_on = date(2024, 6, 30)
    late = factories.member_person(society, given_name="Late", family_name="Comer")
    factories.participant(group, late, starts_on=date(2024, 9, 1))
    june = admin_client.get(f"/groups/{group.id}/sessions/new?held_on=2024-06-15").get_data(as_text=True)
    assert f'id="attendee-{p1.id}"' in june and "Late Comer" not in june
    today = admin_client.get(f"/groups/{group.id}/sessions/new").get_data(as_text=True)
    assert f'id="attendee-{p1.id}"' not in today and "Late Comer" in today and 'value="90"' in today


# -- who may record ------------------------------------------------------------------------

def test_a_leader_of_the_group_records_a_session(leader_client, leader, society, group_with_people):
    group, _lead, _co, (p1, *_rest) = group_with_people
    factories.group_leader(group, leader.person, role="co_leader", starts_on=date(2024, 1, 1))
    assert "Record a session" in leader_client.get("/portal/groups").get_data(as_text=True)
    assert leader_client.get(f"/groups/{group.id}/sessions/new").status_code == 200
    response = post_session(leader_client, group, [leader.person, p1])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/groups/{group.id}/sessions")
    assert {(r.person_id, r.kind) for r in records()} == {(leader.person_id, "co_leading"), (p1.id, "participation")}
    assert db.session.scalar(select(GroupSession)).recorded_by_id == leader.id


def test_a_leader_of_another_group_cannot_see_or_record_its_sessions(leader_client, leader, society, group_with_people):
    group, _lead, _co, (p1, *_rest) = group_with_people
    own = factories.group(society, name="Own group")
    factories.group_leader(own, leader.person)
    factories.participant(group, factories.member_person(society))
    assert leader_client.get(f"/groups/{group.id}/sessions").status_code == 404
    assert leader_client.get(f"/groups/{group.id}/sessions/new").status_code == 404
    assert post_session(leader_client, group, [p1]).status_code == 404
    assert records() == []
    assert "Own group" in leader_client.get("/portal/groups").get_data(as_text=True)


def test_a_former_leader_can_no_longer_record(leader_client, leader, group_with_people):
    group, _lead, _co, (p1, *_rest) = group_with_people
    factories.group_leader(group, leader.person, starts_on=date(2024, 1, 1), ends_on=TODAY - timedelta(days=1))
    assert post_session(leader_client, group, [p1]).status_code == 404


def test_a_leader_cannot_correct_or_delete_another_groups_session(admin_client, leader_client, group_with_people):
    group, lead, _co, _participants = group_with_people
    post_session(admin_client, group, [lead])
    session = db.session.scalar(select(GroupSession))
    assert leader_client.get(f"/groups/{group.id}/sessions/{session.id}/edit").status_code == 404
    assert leader_client.post(f"/groups/{group.id}/sessions/{session.id}/delete").status_code == 404
    assert len(records()) == 1


def test_an_admin_of_another_society_gets_404(app, group_with_people):
    group, lead, _co, _participants = group_with_people
    other_admin = factories.user(role="admin", society=factories.society())
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, other_admin.email)
    assert client.get(f"/groups/{group.id}/sessions/new").status_code == 404
    assert post_session(client, group, [lead]).status_code == 404
    assert client.get(f"/admin/groups/{group.id}").status_code == 404
    assert records() == []


def test_a_session_of_another_group_is_not_found_under_this_one(admin_client, society, group_with_people):
    group, lead, _co, _participants = group_with_people
    post_session(admin_client, group, [lead])
    session = db.session.scalar(select(GroupSession))
    other = factories.group(society)
    assert admin_client.post(f"/groups/{other.id}/sessions/{session.id}/delete").status_code == 404
    assert db.session.get(GroupSession, session.id) is not None


def test_members_without_a_role_cannot_reach_the_session_log(app, society, group_with_people):
    group, *_ = group_with_people
    member = factories.user(role="member", person=factories.member_person(society))
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, member.email)
    assert client.get(f"/groups/{group.id}/sessions/new").status_code == 403


# -- no one credits themselves ------------------------------------------------------------

def leader_login(app, person, **kw):
    user = factories.leader_user(person, **kw)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, user.email)
    return client, user


def test_a_trainee_co_leader_recording_a_back_dated_session_alone_gets_records_for_review(app, group_with_people):
    group, _leader, co_leader, _participants = group_with_people
    client, _user = leader_login(app, co_leader)
    response = post_session(client, group, [co_leader], day=TODAY - timedelta(days=200))
    assert response.status_code == 302
    (record,) = records()
    assert (record.person_id, record.kind, record.status, record.decided_by_id) == (co_leader.id, "co_leading", "pending", None)


def test_records_wait_for_review_in_the_admins_list(admin_client, app, group_with_people):
    group, _leader, co_leader, (p1, *_rest) = group_with_people
    client, _user = leader_login(app, co_leader)
    post_session(client, group, [co_leader, p1])
    html = admin_client.get("/admin/records/").get_data(as_text=True)
    assert html.count('name="record_ids"') == 2


def test_an_accredited_leader_of_the_group_records_approved_records(app, group_with_people):
    group, leader, co_leader, (p1, *_rest) = group_with_people
    client, user = leader_login(app, leader)
    post_session(client, group, [leader, co_leader, p1])
    # Their own leading waits for someone else's review: nobody approves their own record.
    assert {(r.person_id, r.status, r.decided_by_id) for r in records()} == {
        (leader.id, "pending", None), (co_leader.id, "approved", user.id), (p1.id, "approved", user.id)}


def test_a_leader_not_accredited_on_the_sessions_day_records_for_review(app, society, group_with_people):
    group, _leader, _co, (p1, *_rest) = group_with_people
    newcomer = factories.member_person(society, given_name="Nils", family_name="New")
    factories.group_leader_accreditation(newcomer, society, granted_on=TODAY - timedelta(days=3))
    factories.group_leader(group, newcomer, role="co_leader", starts_on=date(2024, 1, 1))
    client, _user = leader_login(app, newcomer)
    post_session(client, group, [newcomer, p1], day=TODAY - timedelta(days=10))
    assert {r.status for r in records()} == {"pending"}
    post_session(client, group, [newcomer, p1], day=TODAY - timedelta(days=1))
    assert {(r.person_id, r.status) for r in records() if r.occurred_on == TODAY - timedelta(days=1)} == {
        (newcomer.id, "pending"), (p1.id, "approved")}


def test_a_trainee_correcting_an_approved_session_sends_changed_records_back_to_review(admin_client, app, group_with_people):
    group, leader, co_leader, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, co_leader, p1])
    session = db.session.scalar(select(GroupSession))
    client, _user = leader_login(app, co_leader)
    response = client.post(f"/groups/{group.id}/sessions/{session.id}/edit", data={
        "held_on": DAY.isoformat(), "minutes": "180", "attendees": [str(leader.id), str(co_leader.id), str(p1.id)]})
    assert response.status_code == 302
    assert {r.status for r in records()} == {"pending"}
    assert {r.minutes for r in records()} == {180}


def test_a_leader_cannot_delete_a_session_that_credited_others(admin_client, app, group_with_people):
    group, leader, co_leader, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, co_leader, p1])
    session = db.session.scalar(select(GroupSession))
    client, _user = leader_login(app, co_leader)
    page = client.get(f"/groups/{group.id}/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'id="delete-needs-admin"' in page and 'id="delete-session"' not in page
    response = client.post(f"/groups/{group.id}/sessions/{session.id}/delete")
    assert response.status_code == 403
    assert "only an administrator can delete it" in response.get_data(as_text=True)
    assert len(records()) == 3


def test_an_admin_deletes_a_session_that_credited_others_only_with_a_reason_kept_on_the_trail(admin_client, group_with_people):
    from society.models import AuditEvent

    group, leader, _co, (p1, *_rest) = group_with_people
    post_session(admin_client, group, [leader, p1])
    session = db.session.scalar(select(GroupSession))
    ids = sorted(r.id for r in records())
    page = admin_client.get(f"/groups/{group.id}/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'name="reason"' in page
    refused = admin_client.post(f"/groups/{group.id}/sessions/{session.id}/delete", data={"reason": "  "})
    assert refused.status_code == 422 and "Give a reason" in refused.get_data(as_text=True)
    assert len(records()) == 2
    response = admin_client.post(f"/groups/{group.id}/sessions/{session.id}/delete", data={"reason": "Duplicate entry"})
    assert response.status_code == 302 and records() == []
    (deletion,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delete_session")).all()
    assert '"reason": "Duplicate entry"' in deletion.changes and str(ids[0]) in deletion.changes
    gone = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "TrainingRecord", AuditEvent.action == "delete")).all()
    assert sorted(event.entity_id for event in gone) == ids
    assert all('"approved"' in event.changes for event in gone)  # each record's last state is kept


def test_a_trainee_may_delete_a_session_whose_records_are_still_pending(app, group_with_people):
    group, _leader, co_leader, (p1, *_rest) = group_with_people
    client, _user = leader_login(app, co_leader)
    post_session(client, group, [co_leader, p1])
    session = db.session.scalar(select(GroupSession))
    assert client.post(f"/groups/{group.id}/sessions/{session.id}/delete").status_code == 302
    assert records() == []


# -- a session with nobody present ----------------------------------------------------------

def test_a_session_with_no_attendee_is_not_saved_silently_but_warns_and_asks_to_confirm(admin_client, group_with_people):
    group, *_people = group_with_people
    response = post_session(admin_client, group, [], minutes="75")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and db.session.scalar(select(GroupSession)) is None
    assert 'id="confirm-empty"' in html and "Nobody is marked present" in html and 'name="confirm_empty"' in html
    assert 'value="75"' in html  # what was typed is kept
    confirmed = post_session(admin_client, group, [], minutes="75", confirm_empty="y")
    assert confirmed.status_code == 302
    session = db.session.scalar(select(GroupSession))
    assert session.minutes == 75 and session.attendance == [] and records() == []


def test_unticking_everyone_on_a_correction_asks_to_confirm_too(admin_client, group_with_people):
    group, leader, _co, _participants = group_with_people
    post_session(admin_client, group, [leader])
    session = db.session.scalar(select(GroupSession))
    url = f"/groups/{group.id}/sessions/{session.id}/edit"
    response = admin_client.post(url, data={"held_on": DAY.isoformat(), "reason": ""})
    assert response.status_code == 422 and 'id="confirm-empty"' in response.get_data(as_text=True)
    assert len(records()) == 1
    assert admin_client.post(url, data={"held_on": DAY.isoformat(), "confirm_empty": "y"}).status_code == 302
    assert records() == []
