"""A supervisor or co-leader countersigns a pending record, which approves it, only if they
held a valid accreditation on the record's date: a countersignature from someone whose
accreditation had expired, been suspended or not yet been granted is refused."""
from datetime import date

import pytest

from society.extensions import db
from society.models import TrainingRecord
from society.services.training import ledger
from society.services.errors import DomainError

from . import factories

RECORD_DAY = date(2024, 3, 1)


def signer_client(app, person):
    user = factories.leader_user(person)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, user.email)
    return client


def pending_record(leader, **kw):
    values = dict(status="pending", source="self", occurred_on=RECORD_DAY, kind="supervision", unit="hour", minutes=60)
    values.update(kw)
    return factories.training_record(leader.person, **values)


def status_of(record_id):
    return db.session.get(TrainingRecord, record_id).status


def test_named_supervisor_accredited_on_the_records_date_countersigns(app, leader, society):
    supervisor = factories.accredited_person(society, given_name="Sara", family_name="Supervisor")
    record = pending_record(leader, supervisor_id=supervisor.id)
    client = signer_client(app, supervisor)
    listing = client.get("/portal/countersign").get_data(as_text=True)
    assert f'data-record="{record.id}"' in listing and "Lena Leader" in listing
    response = client.post(f"/portal/countersign/{record.id}", follow_redirects=True)
    assert "You have countersigned the record; it is approved." in response.get_data(as_text=True)
    record = db.session.get(TrainingRecord, record.id)
    assert (record.status, record.countersigned_by_id, record.with_accredited_leader) == ("approved", supervisor.id, True)
    assert record.countersigned_at is not None and record.decided_at is not None
    assert f'data-record="{record.id}"' not in client.get("/portal/countersign").get_data(as_text=True)


def test_accreditation_that_lapsed_after_the_records_date_still_counts(app, leader, society):
    # Valid on the record's date, expired since: the countersignature is about that day.
    supervisor = factories.accredited_person(society, granted_on=date(2019, 1, 1), expires_on=date(2024, 6, 30))
    record = pending_record(leader, supervisor_id=supervisor.id)
    signer_client(app, supervisor).post(f"/portal/countersign/{record.id}")
    assert status_of(record.id) == "approved"


@pytest.mark.parametrize("dates", [
    {"granted_on": date(2019, 1, 1), "expires_on": date(2024, 2, 29)},                  # expired the day before
    {"granted_on": date(2019, 1, 1), "invalid_from": date(2024, 2, 1), "status": "suspended"},
    {"granted_on": date(2019, 1, 1), "invalid_from": date(2024, 3, 1), "status": "revoked"},  # from that very day
    {"granted_on": date(2024, 3, 2)},                                                  # granted the day after
    {"granted_on": None, "status": "in_training"},                                     # a trainee
], ids=["expired", "suspended", "revoked-that-day", "granted-later", "trainee"])
def test_a_forged_countersignature_by_someone_not_accredited_that_day_is_refused(app, leader, society, dates):
    supervisor = factories.accredited_person(society, **dates)
    record = pending_record(leader, supervisor_id=supervisor.id)
    client = signer_client(app, supervisor)
    assert "You were not accredited on this date." in client.get("/portal/countersign").get_data(as_text=True)
    response = client.post(f"/portal/countersign/{record.id}", follow_redirects=True)
    assert "You were not an accredited leader on Mar 1, 2024" in response.get_data(as_text=True)
    record = db.session.get(TrainingRecord, record.id)
    assert record.status == "pending" and record.countersigned_by_id is None


def test_a_leader_of_the_records_group_on_its_date_may_countersign(app, leader, society):
    group = factories.group(society)
    co_leader = factories.accredited_person(society)
    factories.group_leader(group, co_leader, role="leader", starts_on=date(2023, 1, 1))
    record = pending_record(leader, kind="co_leading", unit="session", group_id=group.id)
    signer_client(app, co_leader).post(f"/portal/countersign/{record.id}")
    assert status_of(record.id) == "approved"


def test_a_leader_who_joined_the_group_after_the_records_date_is_not_asked(app, leader, society):
    group = factories.group(society)
    latecomer = factories.accredited_person(society)
    factories.group_leader(group, latecomer, starts_on=date(2024, 6, 1))
    record = pending_record(leader, kind="co_leading", unit="session", group_id=group.id)
    client = signer_client(app, latecomer)
    assert f'data-record="{record.id}"' not in client.get("/portal/countersign").get_data(as_text=True)
    assert client.post(f"/portal/countersign/{record.id}").status_code == 404
    assert status_of(record.id) == "pending"


def test_an_accredited_stranger_to_the_record_gets_404(app, leader, society):
    named = factories.accredited_person(society)
    stranger = factories.accredited_person(society)
    record = pending_record(leader, supervisor_id=named.id)
    assert signer_client(app, stranger).post(f"/portal/countersign/{record.id}").status_code == 404
    assert status_of(record.id) == "pending"


def test_a_leader_cannot_countersign_their_own_record(app, leader, society, leader_client):
    # Even an accredited leader who leads the group the record belongs to.
    version = factories.rule_set_version(factories.rule_set(society))
    factories.accreditation(leader.person, version, status="granted", granted_on=date(2020, 1, 1))
    group = factories.group(society)
    factories.group_leader(group, leader.person, starts_on=date(2023, 1, 1))
    record = pending_record(leader, kind="leading", unit="session", group_id=group.id)
    assert f'data-record="{record.id}"' not in leader_client.get("/portal/countersign").get_data(as_text=True)
    response = leader_client.post(f"/portal/countersign/{record.id}", follow_redirects=True)
    assert "You cannot countersign your own record." in response.get_data(as_text=True)
    assert status_of(record.id) == "pending"


def test_an_already_decided_record_cannot_be_countersigned(app, leader, society):
    supervisor = factories.accredited_person(society)
    record = pending_record(leader, supervisor_id=supervisor.id, status="rejected", rejection_reason="duplicate")
    assert signer_client(app, supervisor).post(f"/portal/countersign/{record.id}").status_code == 404
    assert status_of(record.id) == "rejected"


def test_the_service_checks_accreditation_on_the_records_date_not_today(app, leader, society):
    supervisor = factories.accredited_person(society, granted_on=date(2024, 4, 1))
    record = pending_record(leader, supervisor_id=supervisor.id)
    with app.test_request_context():
        with pytest.raises(DomainError):
            ledger.countersign(record, supervisor, on=date(2024, 5, 1))
        with pytest.raises(DomainError):
            ledger.countersign(record, leader.person, on=date(2024, 5, 1))
    assert record.status == "pending"
    later = pending_record(leader, supervisor_id=supervisor.id, occurred_on=date(2024, 4, 15))
    ledger.countersign(later, supervisor, on=date(2024, 5, 1))
    assert later.status == "approved" and later.countersigned_by_id == supervisor.id


def test_countersigning_needs_post(app, leader, society):
    supervisor = factories.accredited_person(society)
    record = pending_record(leader, supervisor_id=supervisor.id)
    assert signer_client(app, supervisor).get(f"/portal/countersign/{record.id}").status_code == 405
    assert status_of(record.id) == "pending"
