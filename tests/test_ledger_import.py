"""Importing a candidate's ledger file (issue 13, item 4's import half): every record arrives imported and
pending review; a bad file names each problem and writes nothing; only the candidate's society may import."""
import io
import json
from datetime import date, timedelta

from sqlalchemy import func, select

from society.extensions import db
from society.models import AuditEvent, TrainingRecord

from . import factories

LEDGER = {
    "rule_set": "uk-leader@2016",
    "person": {"training_started_on": "2019-01-01", "psychodynamically_trained": True},
    "records": [
        {"kind": "participation", "occurred_on": "2019-01-07"},
        {"kind": "co_leading", "occurred_on": "2019-02-04", "in_person": False},
        {"kind": "intensive", "unit": "event", "occurred_on": "2020-05-02"},
        {"kind": "supervision", "unit": "hour", "units": 1.5, "minutes": 90, "occurred_on": "2020-06-01"},
        {"kind": "supervision", "unit": "hour", "units": 2, "occurred_on": "2020-07-01"},
    ],
}


def _upload(client, person, ledger, name="ledger.json"):
    content = ledger if isinstance(ledger, bytes) else json.dumps(ledger).encode()
    return client.post(f"/admin/records/people/{person.id}/import", content_type="multipart/form-data",
                       data={"ledger": (io.BytesIO(content), name)})


def _records_of(person) -> list[TrainingRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(TrainingRecord).where(TrainingRecord.person_id == person.id)
                                   .order_by(TrainingRecord.occurred_on)))


def test_every_record_of_the_file_arrives_imported_and_awaiting_review(admin_client, admin, society):
    candidate = factories.member_person(society, given_name="Cora", family_name="Candidate")
    db.session.commit()
    assert "Import a ledger file" in admin_client.get(f"/admin/records/people/{candidate.id}").get_data(as_text=True)
    response = _upload(admin_client, candidate, LEDGER)
    assert response.status_code == 302 and f"person_id={candidate.id}" in response.headers["Location"]
    records = _records_of(candidate)
    assert len(records) == 5
    assert {(r.source, r.status, r.created_by_id) for r in records} == {("import", "pending", admin.id)}
    assert [(r.kind, r.unit, r.units, r.minutes, r.in_person) for r in records] == [
        ("participation", "session", 1, 0, True), ("co_leading", "session", 1, 0, False),
        ("intensive", "event", 1, 0, True), ("supervision", "hour", 1.5, 90, True),
        ("supervision", "hour", 2, 120, True)]  # an hour's minutes from its units
    review = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 records imported; they await review." in review and review.count("data-imported") == 5
    assert "psychodynamically_trained" in review  # the file's facts are named, not applied
    assert not db.session.get(type(candidate), candidate.id).psychodynamically_trained
    # Each record on the audit trail, and the import itself once.
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "TrainingRecord", AuditEvent.action == "create")) == 5
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert (event.entity_type, event.entity_id) == ("Person", candidate.id)


def test_imported_records_are_reviewed_one_by_one_like_any_other(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    _upload(admin_client, candidate, LEDGER)
    first, second, *_rest = _records_of(candidate)
    admin_client.post("/admin/records/decide", data={"record_ids": [first.id], "action": "approve"})
    admin_client.post("/admin/records/decide", data={"record_ids": [second.id], "action": "reject",
                                                     "reason": "No attendance list"})
    assert [r.status for r in _records_of(candidate)] == ["approved", "rejected", "pending", "pending", "pending"]


def test_a_broken_file_lists_each_problem_with_where_and_writes_nothing(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    broken = {**LEDGER, "records": [
        {"kind": "participation", "occurred_on": "2019-01-07"},  # fine, yet not written either
        {"kind": "participation", "occurred_on": "7 Jan 2019"},
        {"kind": "dancing", "occurred_on": "2019-01-08"},
        {"kind": "supervision", "unit": "hour", "units": 2, "minutes": 100, "occurred_on": "2019-01-09"},
        {"kind": "leading", "occurred_on": tomorrow, "colour": "blue"},
    ]}
    response = _upload(admin_client, candidate, broken)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="ledger-problems"' in html
    assert "records[1].occurred_on: expected a date as YYYY-MM-DD" in html
    assert "records[2].kind: unknown kind dancing" in html
    assert "records[3].minutes: 2 × 60 minutes make 120 minutes, not 100" in html
    assert "records[4]: unknown keys [&#39;colour&#39;]" in html
    assert "nothing was imported" in html
    assert _records_of(candidate) == []
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import")) == 0


def test_a_file_that_is_not_a_ledger_is_refused(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    not_json = _upload(admin_client, candidate, b"\x89PNG not json", name="photo.png")
    assert not_json.status_code == 422 and "This is not a JSON file" in not_json.get_data(as_text=True)
    empty = _upload(admin_client, candidate, {"rule_set": "uk-leader", "records": []})
    assert empty.status_code == 422 and "The file holds no records." in empty.get_data(as_text=True)
    missing = admin_client.post(f"/admin/records/people/{candidate.id}/import", data={},
                                content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose a ledger file (JSON)." in missing.get_data(as_text=True)
    assert _records_of(candidate) == []


def test_only_administrators_of_the_candidates_society_import(app, admin_client, leader_client, leader, society):
    stranger = factories.member_person(factories.society())
    db.session.commit()
    assert _upload(admin_client, stranger, LEDGER).status_code == 404
    assert admin_client.get(f"/admin/records/people/{stranger.id}/import").status_code == 404
    assert _upload(leader_client, leader.person, LEDGER).status_code == 403
    assert _records_of(stranger) == [] and _records_of(leader.person) == []


def test_the_accreditation_page_links_to_the_import(admin_client, society):
    candidate = factories.member_person(society)
    accreditation = factories.accreditation(candidate, factories.rule_set_version(factories.rule_set(society)),
                                            training_started_on=date(2022, 1, 1))
    db.session.commit()
    html = admin_client.get(f"/admin/accreditations/{accreditation.id}").get_data(as_text=True)
    assert f"/admin/records/people/{candidate.id}/import" in html


def test_the_records_provider_report_kind_and_tags_are_kept(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    ledger = {**LEDGER, "rule_set": "anz-leader", "records": [
        {"kind": "intensive", "unit": "event", "occurred_on": "2020-05-02", "provider": "BSANZ",
         "tags": ["two_day", "residential_workshop"]},
        {"kind": "supervisor_report", "unit": "event", "occurred_on": "2020-06-01", "report_kind": "six_monthly"},
        {"kind": "intensive", "unit": "event", "occurred_on": "2020-07-01", "provider": "Nordic Balint Days"},
    ]}
    assert _upload(admin_client, candidate, ledger).status_code == 302
    assert [(r.provider, r.report_kind, r.tags) for r in _records_of(candidate)] == [
        ("BSANZ", None, "residential_workshop,two_day"), (None, "six_monthly", None), ("Nordic Balint Days", None, None)]


def test_an_unknown_report_kind_or_tag_or_a_long_provider_is_named_and_nothing_imported(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    ledger = {**LEDGER, "records": [
        {"kind": "intensive", "unit": "event", "occurred_on": "2020-05-02", "provider": "x" * 41, "tags": ["gossip"]},
        {"kind": "supervisor_report", "unit": "event", "occurred_on": "2020-06-01", "report_kind": "weekly"},
    ]}
    response = _upload(admin_client, candidate, ledger)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:300]
    for where in ("records[0].provider", "records[0].tags", "records[1].report_kind"):
        assert where in html
    assert _records_of(candidate) == []


def test_a_records_days_and_group_are_kept_the_group_as_the_file_names_it(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    ledger = {**LEDGER, "rule_set": "de-leiter", "records": [
        {"kind": "intensive", "unit": "event", "occurred_on": "2020-05-02", "days": 4},
        {"kind": "participation", "unit": "double_session", "units": 1, "minutes": 90, "occurred_on": "2020-06-01",
         "group": "Balintgruppe Dr. Weber, Köln"},
    ]}
    assert _upload(admin_client, candidate, ledger).status_code == 302
    intensive, session = _records_of(candidate)
    assert (intensive.days, intensive.outside_group) == (4, None)
    assert (session.days, session.outside_group, session.group_id) == (None, "Balintgruppe Dr. Weber, Köln", None)
    page = admin_client.get(f"/admin/records/{session.id}").get_data(as_text=True)
    assert "Balintgruppe Dr. Weber, Köln" in page and "as the imported ledger names it" in page


def test_days_out_of_range_or_a_long_group_name_are_named_and_nothing_imported(admin_client, society):
    candidate = factories.member_person(society)
    db.session.commit()
    ledger = {**LEDGER, "records": [
        {"kind": "intensive", "unit": "event", "occurred_on": "2020-05-02", "days": 0},
        {"kind": "participation", "occurred_on": "2020-06-01", "group": "x" * 121},
    ]}
    response = _upload(admin_client, candidate, ledger)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "records[0].days" in html and "records[1].group" in html
    assert _records_of(candidate) == []
