"""Administrators review pending records in bulk, read a leader's full ledger and a record's
history, for their own society only."""
import json
import re
from datetime import date

import pytest

from society.extensions import db
from society.models import TrainingRecord

from . import factories
from .queries import counting_queries


def member(society, **kw):
    person = factories.person(**kw)
    factories.membership(person, society)
    return person


def pending(person, **kw):
    values = dict(status="pending", source="self", kind="supervision", unit="hour", minutes=60)
    values.update(kw)
    return factories.training_record(person, **values)


def statuses(*records):
    db.session.expire_all()
    return [db.session.get(TrainingRecord, r.id).status for r in records]


def test_the_review_lists_pending_records_of_my_society_only(admin_client, society):
    mine = pending(member(society, given_name="Maja"), title="mine-pending")
    factories.training_record(mine.person, status="approved", title="mine-approved")
    elsewhere = member(factories.society(), given_name="Frida")
    pending(elsewhere, title="theirs-pending")
    html = admin_client.get("/admin/records/").get_data(as_text=True)
    assert "mine-pending" in html and "mine-approved" not in html and "theirs-pending" not in html
    assert f'name="record_ids" value="{mine.id}"' in html


def test_admins_approve_selected_records_in_bulk(admin_client, admin, society):
    person = member(society)
    first, second, third = pending(person), pending(person), pending(person)
    response = admin_client.post("/admin/records/decide", data={"record_ids": [first.id, second.id], "action": "approve"})
    assert response.status_code == 302
    assert statuses(first, second, third) == ["approved", "approved", "pending"]
    record = db.session.get(TrainingRecord, first.id)
    assert record.decided_by_id == admin.id and record.decided_at is not None
    assert "2 record(s) approved." in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_admins_reject_selected_records_with_a_reason(admin_client, society):
    person = member(society)
    first, second = pending(person), pending(person)
    response = admin_client.post("/admin/records/decide", data={
        "record_ids": [first.id, second.id], "action": "reject", "reason": "No supervisor named"})
    assert response.status_code == 302
    assert statuses(first, second) == ["rejected", "rejected"]
    assert db.session.get(TrainingRecord, first.id).rejection_reason == "No supervisor named"


def test_a_rejection_needs_a_reason(admin_client, society):
    person = member(society)
    first, second = pending(person), pending(person)
    response = admin_client.post("/admin/records/decide", data={
        "record_ids": [first.id], "action": "reject", "reason": "   "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a reason for the rejection; the leader will read it." in html
    assert f'value="{first.id}" aria-label="Select record {first.id}" checked' in html  # the selection is kept
    assert f'value="{second.id}" aria-label="Select record {second.id}" >' in html
    assert statuses(first, second) == ["pending", "pending"]


def test_a_decision_needs_a_selection(admin_client, society):
    pending(member(society))
    response = admin_client.post("/admin/records/decide", data={"action": "approve"})
    assert response.status_code == 422 and "Select at least one record." in response.get_data(as_text=True)


def test_a_batch_with_a_record_of_another_society_is_404_and_changes_nothing(admin_client, society):
    mine = pending(member(society))
    theirs = pending(member(factories.society()))
    response = admin_client.post("/admin/records/decide", data={"record_ids": [mine.id, theirs.id], "action": "approve"})
    assert response.status_code == 404
    assert statuses(mine, theirs) == ["pending", "pending"]


def test_a_batch_with_a_record_decided_meanwhile_changes_nothing(admin_client, society):
    person = member(society)
    fresh = pending(person)
    decided = factories.training_record(person, status="approved")
    response = admin_client.post("/admin/records/decide", data={"record_ids": [fresh.id, decided.id], "action": "reject",
                                                                 "reason": "duplicate"}, follow_redirects=True)
    assert "were decided meanwhile" in response.get_data(as_text=True)
    assert statuses(fresh, decided) == ["pending", "approved"]


def test_the_review_filters_by_kind_person_and_date(admin_client, society):
    anna = member(society, given_name="Anna", family_name="Berg", email="anna@example.org")
    bo = member(society, given_name="Bo", family_name="Ek")
    pending(anna, kind="supervision", occurred_on=date(2024, 1, 10), title="anna-supervision")
    pending(anna, kind="intensive", unit="event", occurred_on=date(2024, 5, 10), title="anna-intensive")
    pending(bo, kind="supervision", occurred_on=date(2024, 2, 10), title="bo-supervision")

    def titles(query):
        html = admin_client.get(f"/admin/records/?{query}").get_data(as_text=True)
        return sorted(t for t in ("anna-supervision", "anna-intensive", "bo-supervision") if t in html)

    assert titles("kind=supervision") == ["anna-supervision", "bo-supervision"]
    assert titles("q=berg") == ["anna-intensive", "anna-supervision"]
    assert titles("q=anna%40example") == ["anna-intensive", "anna-supervision"]
    assert titles("q=%25") == [] and titles("q=a_na") == []  # no wildcards
    assert titles(f"person_id={bo.id}") == ["bo-supervision"]
    assert titles("date_from=2024-02-01&date_to=2024-06-01") == ["anna-intensive", "bo-supervision"]
    assert titles("status=approved") == []
    assert admin_client.get("/admin/records/?kind=gossip").status_code == 422
    # As every list: the filter not understood is named and dropped, the others still apply.
    assert titles(f"kind=gossip&person_id={bo.id}") == ["bo-supervision"]


def test_the_review_is_paginated(app, admin_client, society, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    person = member(society)
    for n in range(5):
        pending(person, title=f"record-{n}")
    first = admin_client.get("/admin/records/").get_data(as_text=True)
    assert "Page 1 of 3" in first and "record-0" in first and "record-2" not in first
    last = admin_client.get("/admin/records/?page=3").get_data(as_text=True)
    assert "record-4" in last and "record-0" not in last


def test_the_review_page_costs_the_same_queries_for_2_or_20_records(admin_client, admin, society):
    def fill(count):
        for _ in range(count):
            person = member(society)
            supervisor = member(society)
            group = factories.group(society)
            pending(person, supervisor_id=supervisor.id, group_id=group.id, decided_by_id=admin.id)
    fill(2)
    db.session.commit()
    with counting_queries() as few:
        assert admin_client.get("/admin/records/").status_code == 200
    fill(18)
    db.session.commit()
    with counting_queries() as many:
        html = admin_client.get("/admin/records/").get_data(as_text=True)
    assert html.count('name="record_ids"') == 20
    assert len(many) == len(few)


def test_a_leaders_full_ledger_shows_every_record_and_who_decided(admin_client, admin, society):
    person = member(society, given_name="Lisa", family_name="Lund")
    signer = member(society, given_name="Sven", family_name="Signer")
    factories.training_record(person, status="approved", decided_by_id=admin.id, title="approved-by-admin")
    factories.training_record(person, status="approved", countersigned_by_id=signer.id, title="countersigned")
    factories.training_record(person, status="rejected", rejection_reason="Not a Balint group", title="rejected-one")
    pending(person, title="still-pending")
    factories.training_record(member(society), status="approved", title="someone-else")
    html = admin_client.get(f"/admin/records/people/{person.id}").get_data(as_text=True)
    assert "Ledger of Lisa Lund" in html
    for text in ("approved-by-admin", "countersigned", "rejected-one", "still-pending", admin.email,
                 "countersigned by Sven Signer", "Not a Balint group"):
        assert text in html
    assert "someone-else" not in html


def test_a_record_page_shows_the_evidence_link_and_its_history(admin_client, leader_client, leader, admin):
    import io

    leader_client.post("/portal/records/new", content_type="multipart/form-data", data={
        "kind": "supervision", "occurred_on": "2024-03-01", "unit": "hour", "units": "1", "minutes": "60",
        "evidence": (io.BytesIO(factories.PDF_BYTES), "letter.pdf")})
    record = db.session.scalars(db.select(TrainingRecord)).one()
    admin_client.post("/admin/records/decide", data={"record_ids": [record.id], "action": "approve"})
    html = admin_client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    assert f"/admin/records/{record.id}/evidence" in html and "letter.pdf" in html
    history = re.sub(r"<details.*?</details>", "", html[html.index('id="history"'):], flags=re.S)
    assert "Lena Leader" in history and admin.email in history  # by name where the account has a person
    assert "Training record added" in history and "Training record changed" in history
    assert "Pending</span> &rarr; Approved" in history


def test_an_admin_decides_one_record_from_its_page(admin_client, society):
    record = pending(member(society))
    response = admin_client.post("/admin/records/decide", data={
        "record_ids": [record.id], "action": "reject", "next": f"/admin/records/{record.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/records/{record.id}")
    assert statuses(record) == ["pending"]
    assert "Give a reason" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    admin_client.post("/admin/records/decide", data={
        "record_ids": [record.id], "action": "reject", "reason": "Too early", "next": "https://evil.example/"})
    assert statuses(record) == ["rejected"]


def test_an_admin_of_another_society_gets_404(app, society):
    person = member(society)
    record = pending(person)
    other_admin = factories.user(role="admin", society=factories.society())
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, other_admin.email)
    assert client.get(f"/admin/records/{record.id}").status_code == 404
    assert client.get(f"/admin/records/{record.id}/evidence").status_code == 404
    assert client.get(f"/admin/records/people/{person.id}").status_code == 404
    assert client.post("/admin/records/decide", data={"record_ids": [record.id], "action": "approve"}).status_code == 404
    assert f'value="{record.id}"' not in client.get("/admin/records/").get_data(as_text=True)
    assert statuses(record) == ["pending"]


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/records/"), ("get", "/admin/records/1"), ("get", "/admin/records/people/1"),
    ("get", "/admin/records/1/evidence"), ("post", "/admin/records/decide"),
])
def test_leaders_cannot_reach_the_admin_pages(leader_client, method, url):
    assert getattr(leader_client, method)(url).status_code == 403


def test_admins_get_the_records_menu_entry(admin_client):
    html = admin_client.get("/admin/records/").get_data(as_text=True)
    assert re.search(r'href="/admin/records/">Records</a>', html)
    assert "My records" not in html


def test_the_audit_trail_records_who_approved(admin_client, admin, society):
    from society.models import AuditEvent

    record = pending(member(society))
    admin_client.post("/admin/records/decide", data={"record_ids": [record.id], "action": "approve"})
    [event_] = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.entity_type == "TrainingRecord", AuditEvent.entity_id == record.id, AuditEvent.action == "update")).all()
    assert event_.actor_user_id == admin.id and json.loads(event_.changes)["status"] == ["pending", "approved"]


# -- the facts rule sets filter on, set by an administrator on any record ------------------------

def test_an_administrator_sets_a_records_facts_and_the_page_shows_them_with_their_history(admin_client, society):
    record = factories.training_record(member(society), status="approved", source="attendance", kind="leading")
    page = admin_client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    assert 'action="/admin/records/%s/facts"' % record.id in page and 'value="ongoing_group"' in page
    response = admin_client.post(f"/admin/records/{record.id}/facts", data={"tags": ["ongoing_group"], "provider": "BSANZ"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(TrainingRecord, record.id)
    assert (saved.tags, saved.provider, saved.report_kind, saved.status) == ("ongoing_group", "BSANZ", None, "approved")
    page = admin_client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    assert "An ongoing group" in page and 'value="ongoing_group" checked' in page
    assert "Further facts" in page and "Provider" in page  # the audit history names the changed fields


def test_the_facts_form_refuses_an_unknown_tag_or_a_report_kind_on_no_report_and_keeps_the_choice(admin_client, society):
    record = factories.training_record(member(society), status="approved", kind="intensive", unit="event", provider="Nordic Days")
    response = admin_client.post(f"/admin/records/{record.id}/facts", data={"tags": ["two_day", "gossip"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="f-tags-error"' in html and 'value="two_day" checked' in html
    response = admin_client.post(f"/admin/records/{record.id}/facts", data={"report_kind": "final", "provider": "Nordic Days"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Only a supervisor report has a report kind" in html
    assert re.search(r'<option value="Nordic Days" selected', html)  # the imported provider stays choosable
    db.session.expire_all()
    assert (db.session.get(TrainingRecord, record.id).tags, db.session.get(TrainingRecord, record.id).report_kind) == (None, None)


def test_an_administrator_cannot_set_facts_on_their_own_records(app, society):
    person = member(society)
    admin = factories.user(role="admin", society=society, person=person)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, admin.email)
    record = factories.training_record(person, status="approved", kind="leading")
    assert client.post(f"/admin/records/{record.id}/facts", data={"tags": ["ongoing_group"]}).status_code == 403
    db.session.expire_all()
    assert db.session.get(TrainingRecord, record.id).tags is None


def test_an_administrator_records_how_many_days_an_intensive_lasted_and_it_is_on_its_history(admin_client, society):
    record = factories.training_record(member(society), status="approved", kind="intensive", unit="event")
    response = admin_client.post(f"/admin/records/{record.id}/facts", data={"days": "4"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingRecord, record.id).days == 4
    page = admin_client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    assert 'name="days"' in page and 'value="4"' in page and "data-days" in page
    assert "Days" in page[page.index("history"):]  # the audit history names the changed field
    response = admin_client.post(f"/admin/records/{record.id}/facts", data={"days": "0"})
    assert response.status_code == 422 and "Give whole days from 1 to 60." in response.get_data(as_text=True)
