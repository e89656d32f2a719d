"""Leaders log their training in the portal, see only their own records, and may change them
only while they are pending."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from society.extensions import db
from society.models import AuditEvent, TrainingRecord
from society.schemas.base import load_form
from society.schemas.training import DecisionSchema, MyRecordsFilterSchema, RecordFormSchema
from werkzeug.datastructures import MultiDict

from . import factories

FORM = {
    "kind": "co_leading", "occurred_on": "2024-03-01", "unit": "session", "units": "1", "minutes": "90",
    "in_person": "y", "title": "",
}


def records_of(person_id):
    return list(db.session.scalars(db.select(TrainingRecord).where(TrainingRecord.person_id == person_id)))


def test_leader_logs_a_record_that_stays_pending(leader_client, leader):
    response = leader_client.post("/portal/records/new", data={**FORM, "title": "Spring seminar"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/records")
    [record] = records_of(leader.person_id)
    assert (record.kind, record.occurred_on, record.units, record.minutes, record.in_person) == (
        "co_leading", date(2024, 3, 1), Decimal(1), 90, True)
    assert (record.status, record.source, record.created_by_id, record.title) == ("pending", "self", leader.id, "Spring seminar")
    page = leader_client.get("/portal/records")
    assert b"Spring seminar" in page.data and b'data-status="pending"' in page.data


def test_a_refused_form_shows_errors_beside_the_fields_and_keeps_the_input(leader_client, leader):
    response = leader_client.post("/portal/records/new", data={
        **FORM, "kind": "gossip", "units": "0", "minutes": "-5", "title": "Kept title", "supervisor_email": "not-an-email"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose what kind of training this was." in html
    assert "Give a number above 0 and at most 1000." in html
    assert "Give whole minutes between 0 and 14400." in html
    assert "Not a valid email address." in html
    assert 'value="Kept title"' in html and 'value="not-an-email"' in html
    assert html.count("is-invalid") >= 4
    assert records_of(leader.person_id) == []


def test_missing_fields_are_named(leader_client):
    response = leader_client.post("/portal/records/new", data={"in_person": "y"})
    assert response.status_code == 422
    for message in ("Choose what kind of training this was.", "Give the date.", "Choose a unit.",
                    "Give how many units.", "Give the length in minutes."):
        assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("kind", "portfolio"),  # the society's to record, not the leader's
    ("kind", "nonsense"),
    ("occurred_on", "01/03/2024"),
    ("unit", "fortnight"),
    ("units", "0"),
    ("units", "-1"),
    ("units", "1001"),
    ("units", "NaN"),
    ("minutes", "-1"),
    ("minutes", "14401"),
    ("minutes", "ninety"),
    ("title", "x" * 201),
    ("group_id", "first"),
    ("supervisor_email", "someone@"),
    ("provider", "Somebody's Balint Club"),
    ("report_kind", "six_monthly"),  # a co-leading record is no report
    ("report_kind", "quarterly"),
    ("tags", "gossip"),
])
def test_each_record_field_validator_refuses_a_bad_value(app, field, value):
    with app.test_request_context():
        data, errors = load_form(RecordFormSchema(), MultiDict({**FORM, field: value}))
    assert data is None and field in errors


def test_a_valid_form_loads(app):
    with app.test_request_context():
        data, errors = load_form(RecordFormSchema(), MultiDict({**FORM, "units": "1.5", "supervisor_email": "a@b.org"}))
    assert errors == {} and data["units"] == Decimal("1.50") and data["in_person"] is True


@pytest.mark.parametrize("unit, units, minutes, agree", [
    ("hour", "2", "30", False),  # "2 hours · 30 min"
    ("hour", "2", "120", True),
    ("hour", "1.5", "90", True),
    ("double_session", "2", "90", False),
    ("double_session", "2", "180", True),
    ("session", "2", "30", True),  # sessions have no fixed length
])
def test_units_of_a_fixed_length_and_minutes_must_agree(app, unit, units, minutes, agree):
    with app.test_request_context():
        _data, errors = load_form(RecordFormSchema(), MultiDict({**FORM, "unit": unit, "units": units, "minutes": minutes}))
    assert ("minutes" not in errors) == agree


def test_a_record_of_2_hours_and_30_minutes_is_refused_beside_the_minutes(leader_client, leader):
    response = leader_client.post("/portal/records/new", data={**FORM, "unit": "hour", "units": "2", "minutes": "30"})
    assert response.status_code == 422
    assert "2 × 60 minutes make 120 minutes" in response.get_data(as_text=True)
    assert records_of(leader.person_id) == []


def test_filter_and_decision_validators_refuse_bad_values(app):
    with app.test_request_context():
        assert "date_to" in load_form(MyRecordsFilterSchema(), MultiDict({"date_from": "2024-05-01", "date_to": "2024-01-01"}))[1]
        assert "status" in load_form(MyRecordsFilterSchema(), MultiDict({"status": "lost"}))[1]
        assert "page" in load_form(MyRecordsFilterSchema(), MultiDict({"page": "0"}))[1]
        assert "reason" in load_form(DecisionSchema(), MultiDict([("record_ids", "1"), ("action", "reject")]))[1]
        assert "action" in load_form(DecisionSchema(), MultiDict([("record_ids", "1"), ("action", "delete")]))[1]
        assert "record_ids" in load_form(DecisionSchema(), MultiDict({"action": "approve"}))[1]


def test_a_date_in_the_future_is_refused(leader_client, leader):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = leader_client.post("/portal/records/new", data={**FORM, "occurred_on": tomorrow})
    assert response.status_code == 422 and b"The date cannot be in the future." in response.data
    assert records_of(leader.person_id) == []


def test_the_supervisor_is_named_by_e_mail_among_members_of_my_society(leader_client, leader, society):
    supervisor = factories.accredited_person(society, email="sup@example.org")
    outsider = factories.person(email="outsider@example.org")
    response = leader_client.post("/portal/records/new", data={**FORM, "supervisor_email": "outsider@example.org"})
    assert response.status_code == 422
    assert b"No member of your society is registered with this e-mail address." in response.data
    response = leader_client.post("/portal/records/new", data={**FORM, "supervisor_email": "lena@example.org"})
    assert response.status_code == 422 and b"you cannot countersign your own record" in response.data
    assert leader_client.post("/portal/records/new", data={**FORM, "supervisor_email": "SUP@example.org"}).status_code == 302
    [record] = records_of(leader.person_id)
    assert record.supervisor_id == supervisor.id and record.with_accredited_leader is True
    assert outsider.id != record.supervisor_id


def test_a_record_may_name_only_a_group_of_mine(leader_client, leader, society):
    mine, other = factories.group(society), factories.group(society)
    factories.group_leader(mine, db.session.get(type(leader.person), leader.person_id), role="co_leader")
    response = leader_client.post("/portal/records/new", data={**FORM, "group_id": str(other.id)})
    assert response.status_code == 422 and b"Choose one of your own groups." in response.data
    assert leader_client.post("/portal/records/new", data={**FORM, "group_id": str(mine.id)}).status_code == 302
    assert records_of(leader.person_id)[0].group_id == mine.id


def test_leader_edits_a_pending_record(leader_client, leader):
    record = factories.training_record(leader.person, status="pending", source="self", minutes=60)
    form = leader_client.get(f"/portal/records/{record.id}/edit")
    assert form.status_code == 200 and b'value="60"' in form.data
    response = leader_client.post(f"/portal/records/{record.id}/edit", data={**FORM, "minutes": "120", "kind": "leading"})
    assert response.status_code == 302
    record = db.session.get(TrainingRecord, record.id)
    assert (record.minutes, record.kind, record.status) == (120, "leading", "pending")


def test_leader_withdraws_a_pending_record(leader_client, leader):
    record = factories.training_record(leader.person, status="pending", source="self")
    assert leader_client.post(f"/portal/records/{record.id}/withdraw").status_code == 302
    assert db.session.get(TrainingRecord, record.id) is None


@pytest.mark.parametrize("status, source", [("approved", "self"), ("rejected", "self"), ("approved", "attendance")])
def test_leaders_cannot_edit_or_withdraw_decided_or_attendance_records(leader_client, leader, status, source):
    record = factories.training_record(leader.person, status=status, source=source, minutes=90,
                                       rejection_reason="no" if status == "rejected" else None)
    assert leader_client.get(f"/portal/records/{record.id}/edit").status_code == 403
    response = leader_client.post(f"/portal/records/{record.id}/edit", data={**FORM, "minutes": "900"})
    assert response.status_code == 403
    assert b"Only pending records you logged yourself can be changed or withdrawn." in response.data
    assert leader_client.post(f"/portal/records/{record.id}/withdraw").status_code == 403
    record = db.session.get(TrainingRecord, record.id)
    assert record is not None and record.minutes == 90 and record.status == status
    assert b"/edit" not in leader_client.get("/portal/records").data


def test_leaders_see_and_touch_only_their_own_records(leader_client, leader, society):
    other = factories.person(given_name="Olle", family_name="Other")
    theirs = factories.training_record(other, status="pending", source="self", title="Olle's seminar")
    factories.training_record(leader.person, status="pending", source="self", title="My seminar")
    page = leader_client.get("/portal/records").get_data(as_text=True)
    assert "My seminar" in page and "Olle" not in page
    assert leader_client.get(f"/portal/records/{theirs.id}/edit").status_code == 404
    assert leader_client.post(f"/portal/records/{theirs.id}/withdraw").status_code == 404
    assert db.session.get(TrainingRecord, theirs.id) is not None


def test_my_records_are_filtered_and_paginated(app, leader_client, leader, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for day in range(1, 6):
        factories.training_record(leader.person, occurred_on=date(2024, 1, day), status="approved", title=f"approved-{day}")
    factories.training_record(leader.person, occurred_on=date(2024, 2, 1), status="pending", source="self", title="pending-one")
    first = leader_client.get("/portal/records?status=approved").get_data(as_text=True)
    assert "approved-5" in first and "approved-4" in first and "approved-3" not in first and "pending-one" not in first
    assert "Page 1 of 3" in first
    third = leader_client.get("/portal/records?status=approved&page=3").get_data(as_text=True)
    assert "approved-1" in third and "approved-2" not in third
    dated = leader_client.get("/portal/records?date_from=2024-01-02&date_to=2024-01-03").get_data(as_text=True)
    assert "approved-2" in dated and "approved-3" in dated and "approved-4" not in dated
    bad = leader_client.get("/portal/records?date_from=2024-05-01&date_to=2024-01-01")
    assert bad.status_code == 422 and b"The end date comes before the start date." in bad.data


def test_portal_needs_a_leader_linked_to_a_person(app, admin_client, society):
    unlinked = factories.user(role="leader", email="unlinked@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, unlinked.email)
    for url in ("/portal/records", "/portal/records/new", "/portal/countersign", "/portal/groups"):
        assert client.get(url).status_code == 403
        assert admin_client.get(url).status_code == 403


def test_leaders_get_their_menu_and_land_on_their_portal(leader_client):
    html = leader_client.get("/portal/records").get_data(as_text=True)
    for label in ("My records", "Log a record", "My groups"):
        assert label in html
    assert "To countersign" not in html  # never accredited: see tests/test_leader_landing.py
    assert ">Records<" not in html
    landing = leader_client.get("/")
    assert landing.status_code == 302 and "/portal/" in landing.headers["Location"]


def test_log_form_carries_and_needs_the_csrf_token(csrf_app, leader):
    client = csrf_app.test_client()
    page = client.get("/auth/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    client.post("/auth/login", data={"email": leader.email, "password": factories.PASSWORD, "csrf_token": token})
    form = client.get("/portal/records/new")
    assert b'name="csrf_token"' in form.data
    assert client.post("/portal/records/new", data=FORM).status_code == 400
    assert records_of(leader.person_id) == []
    token = re.search(rb'name="csrf_token" value="([^"]+)"', form.data).group(1).decode()
    assert client.post("/portal/records/new", data={**FORM, "csrf_token": token}).status_code == 302


# -- the facts rule sets filter on: provider, report kind, tags ------------------------------

REPORT = {**FORM, "kind": "supervisor_report", "unit": "event", "minutes": "0", "report_kind": "six_monthly"}
INTENSIVE = {**FORM, "kind": "intensive", "unit": "event", "minutes": "0", "provider": "BSANZ",
             "tags": ["two_day", "residential_workshop"], "title": "Sydney intensive"}


def test_leader_logs_a_supervisor_report_and_an_intensive_with_their_facts(leader_client, leader):
    assert leader_client.post("/portal/records/new", data=REPORT).status_code == 302
    assert leader_client.post("/portal/records/new", data=INTENSIVE).status_code == 302
    report, intensive = sorted(records_of(leader.person_id), key=lambda r: r.kind, reverse=True)
    assert (report.kind, report.report_kind, report.provider, report.tags) == (
        "supervisor_report", "six_monthly", None, None)
    assert (intensive.kind, intensive.provider, intensive.report_kind, intensive.tags) == (
        "intensive", "BSANZ", None, "residential_workshop,two_day")
    page = leader_client.get("/portal/records").get_data(as_text=True)
    assert "Six-monthly report" in page and "Balint Society of Australia and New Zealand (BSANZ)" in page
    assert "Two days or longer" in page and "Residential workshop" in page


def test_a_supervisor_report_needs_its_kind(leader_client, leader):
    response = leader_client.post("/portal/records/new", data={**REPORT, "report_kind": ""})
    assert response.status_code == 422 and "Choose what kind of report this is." in response.get_data(as_text=True)
    assert records_of(leader.person_id) == []


def test_an_unknown_tag_is_refused_beside_the_field_and_the_input_kept(leader_client, leader):
    response = leader_client.post("/portal/records/new", data={**INTENSIVE, "tags": ["two_day", "gossip"]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="f-tags-error"[^>]*>Choose only facts from the list\.', html)
    assert re.search(r'value="two_day" checked', html) and not re.search(r'value="residential_workshop" checked', html)
    assert 'value="Sydney intensive"' in html and re.search(r'<option value="BSANZ" selected', html)
    assert records_of(leader.person_id) == []


def test_the_edit_form_shows_the_facts_and_saves_their_change(leader_client, leader):
    record = factories.training_record(leader.person, status="pending", source="self", kind="intensive", unit="event",
                                       provider="UKBS", tags="two_day")
    form = leader_client.get(f"/portal/records/{record.id}/edit").get_data(as_text=True)
    assert re.search(r'<option value="UKBS" selected', form) and 'value="two_day" checked' in form
    response = leader_client.post(f"/portal/records/{record.id}/edit", data={**INTENSIVE, "tags": ["study_conference"]})
    assert response.status_code == 302
    db.session.expire_all()
    record = db.session.get(TrainingRecord, record.id)
    assert (record.provider, record.tags) == ("BSANZ", "study_conference")
    history = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.entity_type == "TrainingRecord", AuditEvent.entity_id == record.id, AuditEvent.action == "update")).all()
    assert any('"provider"' in (event.changes or "") and '"tags"' in (event.changes or "") for event in history)
