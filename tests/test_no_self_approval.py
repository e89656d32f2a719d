"""No path lets a person credit, approve or extend their own standing (issue 13's integrity gap): an
administrator who is also a member cannot approve their own records (one by one or in bulk), make their
own attendance approved credit, verify their own qualification, or grant/renew/reinstate their own
accreditation; the same administrator still does all of it for everyone else."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import Accreditation, TrainingRecord
from society.services.accreditation import lifecycle
from society.services.errors import Forbidden
from society.services.training import ledger

from . import factories

TODAY = date.today()


@pytest.fixture
def member_admin(society):
    """An administrator of the society whose login is linked to their own member record."""
    person = factories.member_person(society, given_name="Ada", family_name="Admin")
    user = factories.user(role="admin", society=society, person=person, email="ada.admin@example.org")
    db.session.commit()
    return user


@pytest.fixture
def member_admin_client(app, member_admin):
    client = app.test_client()
    factories.log_in(client, member_admin.email)
    return client


def _pending(person, **kw):
    return factories.training_record(person, status="pending", source="self", kind="supervision", unit="hour",
                                     minutes=60, **kw)


def _statuses(*records):
    db.session.expire_all()
    return [db.session.get(TrainingRecord, r.id).status for r in records]


def test_the_review_refuses_to_approve_my_own_records_alone_or_in_a_batch(member_admin_client, member_admin, society):
    other = factories.member_person(society)
    own, theirs = _pending(member_admin.person), _pending(other)
    db.session.commit()
    alone = member_admin_client.post("/admin/records/decide", data={"record_ids": [own.id], "action": "approve"})
    assert alone.status_code == 403
    assert "You cannot approve your own records" in alone.get_data(as_text=True)
    batch = member_admin_client.post("/admin/records/decide",
                                     data={"record_ids": [theirs.id, own.id], "action": "approve"})
    assert batch.status_code == 403
    assert _statuses(own, theirs) == ["pending", "pending"]  # all or nothing
    fine = member_admin_client.post("/admin/records/decide", data={"record_ids": [theirs.id], "action": "approve"})
    assert fine.status_code == 302 and _statuses(theirs) == ["approved"]


def test_the_record_page_refuses_my_own_record_too(member_admin_client, member_admin):
    own = _pending(member_admin.person)
    db.session.commit()
    response = member_admin_client.post("/admin/records/decide", data={
        "record_ids": [own.id], "action": "approve", "next": f"/admin/records/{own.id}"})
    assert response.status_code == 403 and _statuses(own) == ["pending"]


def test_the_service_refuses_whoever_calls_it(member_admin, society):
    own = _pending(member_admin.person)
    with pytest.raises(Forbidden):
        ledger.approve([own], member_admin)
    with pytest.raises(Forbidden):
        ledger.decide(society.id, {own.id}, "approve", None, member_admin)
    assert own.status == "pending"


def test_my_own_attendance_recorded_by_me_waits_for_review(member_admin_client, member_admin, society):
    group = factories.group(society, session_minutes=90, format="in_person", starts_on=date(2024, 1, 1))
    other = factories.member_person(society)
    for person in (member_admin.person, other):
        factories.participant(group, person)
    db.session.commit()
    day = TODAY - timedelta(days=3)
    response = member_admin_client.post(f"/groups/{group.id}/sessions/new", data={
        "held_on": day.isoformat(), "attendees": [str(member_admin.person_id), str(other.id)]})
    assert response.status_code == 302
    made = {r.person_id: r.status for r in db.session.scalars(select(TrainingRecord))}
    assert made == {member_admin.person_id: "pending", other.id: "approved"}


def test_nobody_grants_or_renews_their_own_accreditation(member_admin_client, member_admin, society):
    version = factories.rule_set_version(factories.rule_set(society), validity_months=36)
    own = factories.accreditation(member_admin.person, version, status="applied", training_started_on=date(2020, 1, 1))
    db.session.commit()
    response = member_admin_client.post(f"/admin/accreditations/{own.id}/grant", data={"reason": "", "on": ""})
    assert response.status_code == 403
    assert "You cannot decide on your own accreditation" in response.get_data(as_text=True)
    assert db.session.get(Accreditation, own.id).status == "applied"
    granted = factories.granted_accreditation(member_admin.person, society)
    with pytest.raises(Forbidden):
        lifecycle.renew(granted, member_admin, None, TODAY)
    with pytest.raises(Forbidden):
        lifecycle.grant(own, member_admin, None, TODAY)
