"""The list of supervisors a society keeps ("a supervisor from the ABS list"): a record counts for a rule
asking ``supervisor_listed`` only when its supervisor was on the rule set's own society's list on the
record's day; administrators add and end listings on their page, on the audit trail."""
from datetime import date, timedelta

from sqlalchemy import select

from society.extensions import db
from society.models import Accreditation, AuditEvent, SupervisorListing
from society.services.accreditation.evaluator import snapshot
from society.services.accreditation.facts import record_facts
from society.services.training.progress import progress_for

from . import factories
from .queries import progress_statements

ON = date(2026, 12, 1)
STARTED = date(2023, 1, 1)


def us_candidate(society, supervisor, *, days=None):
    """A candidate on the shipped US rule set (loaded into ``society``) with 6 reviewed recordings in each of
    the first two training years, all with ``supervisor``."""
    rule_set = factories.shipped_rule_set(society, "us")
    person = factories.member_person(society, joined_on=date(2022, 1, 1))
    accreditation = factories.accreditation(person, rule_set.versions[0], training_started_on=STARTED)
    for day in days or [date(2023, 1, 20) + timedelta(days=50 * k) for k in range(6)] + [
            date(2024, 1, 20) + timedelta(days=50 * k) for k in range(6)]:
        factories.training_record(person, kind="supervision", occurred_on=day, supervisor_id=supervisor.id,
                                  tags="recording_reviewed")
    return accreditation


def supervision(accreditation):
    report = progress_for(accreditation, ON)
    return next(r for r in report.requirements if r.requirement.code == "supervision")


def test_recordings_reviewed_by_a_listed_supervisor_count(society):
    supervisor = factories.member_person(society)
    factories.supervisor_listing(society, supervisor, listed_from=date(2022, 6, 1))
    progress = supervision(us_candidate(society, supervisor))
    assert progress.counted == 12 and progress.met


def test_recordings_reviewed_by_a_supervisor_not_on_the_list_do_not_count(society):
    supervisor = factories.member_person(society)
    factories.accreditation(supervisor, factories.rule_set_version(factories.rule_set(society)), status="granted",
                            granted_on=date(2015, 1, 1))  # accredited, but not on the list
    progress = supervision(us_candidate(society, supervisor))
    assert progress.counted == 0 and not progress.met


def test_recordings_reviewed_after_the_supervisor_left_the_list_do_not_count(society):
    supervisor = factories.member_person(society)
    factories.supervisor_listing(society, supervisor, listed_from=date(2022, 6, 1), listed_until=date(2023, 12, 31))
    progress = supervision(us_candidate(society, supervisor))
    assert progress.counted == 6 and not progress.met  # the first year's six, listed then; not the second's


def test_a_listing_by_another_society_does_not_put_the_supervisor_on_this_societys_list(society):
    supervisor = factories.member_person(society)
    factories.supervisor_listing(factories.society(), supervisor, listed_from=date(2020, 1, 1))
    assert supervision(us_candidate(society, supervisor)).counted == 0


def test_a_supervisor_listed_from_the_records_day_counts_and_not_the_day_before(society):
    supervisor = factories.member_person(society)
    rule_set = factories.shipped_rule_set(society, "us")
    person = factories.member_person(society)
    factories.supervisor_listing(society, supervisor, listed_from=date(2024, 3, 1))
    for day in (date(2024, 2, 29), date(2024, 3, 1)):
        factories.training_record(person, kind="supervision", occurred_on=day, supervisor_id=supervisor.id,
                                  tags="recording_reviewed")
    facts = sorted(record_facts(person.id, snapshot(rule_set.versions[0]), ON), key=lambda f: f.occurred_on)
    assert [f.supervisor_listed for f in facts if f.kind == "supervision"] == [False, True]


def test_whether_supervisors_were_listed_is_read_in_the_same_few_queries_for_many_records(society):
    supervisors = [factories.member_person(society) for _ in range(3)]
    for supervisor in supervisors:
        factories.supervisor_listing(society, supervisor, listed_from=date(2020, 1, 1))
    accreditation_id = us_candidate(society, supervisors[0], days=[date(2023, 2, 1)]).id
    person_id = db.session.get(Accreditation, accreditation_id).person_id

    def queries():
        return len(progress_statements(accreditation_id, ON, selects_only=True))

    few = queries()
    person = db.session.get(Accreditation, accreditation_id).person
    for index in range(30):
        factories.training_record(person, kind="supervision", occurred_on=date(2023, 3, 1) + timedelta(days=20 * index),
                                  supervisor_id=supervisors[index % 3].id, tags="recording_reviewed")
    assert queries() == few
    assert person_id == person.id


# -- the administrators' page ------------------------------------------------------------------------

def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_administrator_adds_a_member_to_the_list_and_the_audit_trail_shows_it(admin_client, society):
    supervisor = factories.member_person(society, given_name="Sam", family_name="Supervisor")
    db.session.commit()
    found = text(admin_client.get("/admin/supervisors/?q=Supervisor"))
    assert f"/admin/supervisors/?person_id={supervisor.id}" in found
    response = admin_client.post("/admin/supervisors/", data={"person_id": supervisor.id, "listed_from": "2025-01-01",
                                                              "note": "Council minutes 12/2024"})
    assert response.status_code == 302
    listing = db.session.scalars(select(SupervisorListing)).one()
    assert (listing.person_id, listing.listed_from, listing.listed_until) == (supervisor.id, date(2025, 1, 1), None)
    page = text(admin_client.get("/admin/supervisors/"))
    assert "Sam Supervisor" in page and "Council minutes 12/2024" in page
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "SupervisorListing",
                                                          AuditEvent.action == "create")).one()
    assert created.society_id == society.id
    assert "Supervisor listing" in text(admin_client.get("/admin/audit/?entity_type=SupervisorListing"))


def test_an_administrator_ends_a_listing_and_the_audit_trail_shows_it(admin_client, society):
    supervisor = factories.member_person(society, given_name="Sam", family_name="Supervisor")
    listing = factories.supervisor_listing(society, supervisor, listed_from=date(2024, 1, 1))
    db.session.commit()
    response = admin_client.post(f"/admin/supervisors/{listing.id}/end", data={"listed_until": "2025-06-30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SupervisorListing, listing.id).listed_until == date(2025, 6, 30)
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "SupervisorListing",
                                                          AuditEvent.action == "update")).one()
    assert "listed_until" in str(changed.changes)
    assert "Listed until" in text(admin_client.get("/admin/audit/?entity_type=SupervisorListing"))
    # ended, not removed: a second end is refused, beside the row
    again = admin_client.post(f"/admin/supervisors/{listing.id}/end", data={"listed_until": "2025-07-31"})
    assert again.status_code == 422 and "ended already" in text(again)


def test_the_last_day_cannot_come_before_the_first(admin_client, society):
    listing = factories.supervisor_listing(society, factories.member_person(society), listed_from=date(2024, 1, 1))
    db.session.commit()
    response = admin_client.post(f"/admin/supervisors/{listing.id}/end", data={"listed_until": "2023-12-31"})
    assert response.status_code == 422 and "cannot come before" in text(response)
    db.session.expire_all()
    assert db.session.get(SupervisorListing, listing.id).listed_until is None


def test_the_add_form_names_what_is_wrong_beside_the_fields(admin_client, society):
    supervisor = factories.member_person(society)
    factories.supervisor_listing(society, supervisor, listed_from=date(2024, 1, 1))
    db.session.commit()
    missing = admin_client.post("/admin/supervisors/", data={"person_id": supervisor.id, "listed_from": ""})
    assert missing.status_code == 422 and "Give the first day on the list." in text(missing)
    bad = admin_client.post("/admin/supervisors/", data={"person_id": supervisor.id, "listed_from": "1.1.2025"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in text(bad)
    twice = admin_client.post("/admin/supervisors/", data={"person_id": supervisor.id, "listed_from": "2025-01-01"})
    assert twice.status_code == 422 and "on the list already" in text(twice)
    assert db.session.scalar(select(db.func.count(SupervisorListing.id))) == 1


def test_only_members_of_the_society_can_be_listed_and_other_societies_listings_are_not_found(admin_client, society):
    other = factories.society()
    outsider = factories.member_person(other)
    theirs = factories.supervisor_listing(other, outsider)
    db.session.commit()
    refused = admin_client.post("/admin/supervisors/", data={"person_id": outsider.id, "listed_from": "2025-01-01"})
    assert refused.status_code == 422 and "Only a member of your society" in text(refused)
    assert admin_client.get(f"/admin/supervisors/?person_id={outsider.id}").status_code == 404
    assert admin_client.post(f"/admin/supervisors/{theirs.id}/end", data={"listed_until": "2025-01-01"}).status_code == 404
    assert "Given" not in text(admin_client.get("/admin/supervisors/")).split("<tbody>")[1].split("</tbody>")[0]


def test_a_leader_may_not_see_or_change_the_list(leader_client, society):
    listing = factories.supervisor_listing(society, factories.member_person(society))
    db.session.commit()
    assert leader_client.get("/admin/supervisors/").status_code == 403
    assert leader_client.post("/admin/supervisors/", data={"person_id": 1, "listed_from": "2025-01-01"}).status_code == 403
    assert leader_client.post(f"/admin/supervisors/{listing.id}/end", data={"listed_until": "2025-01-01"}).status_code == 403


def test_adding_to_the_list_needs_the_csrf_token(csrf_app, admin, society):
    supervisor = factories.member_person(society)
    db.session.commit()
    client = csrf_app.test_client()
    token = factories.log_in_with_csrf(client, admin.email)
    data = {"person_id": supervisor.id, "listed_from": "2025-01-01"}
    assert client.post("/admin/supervisors/", data=data).status_code == 400
    assert client.post("/admin/supervisors/", data={**data, "csrf_token": token}).status_code == 302


def test_the_page_reads_in_swedish(admin_client, society):
    factories.supervisor_listing(society, factories.member_person(society))
    db.session.commit()
    assert admin_client.post("/language", data={"lang": "sv", "next": "/"}).status_code == 302
    page = text(admin_client.get("/admin/supervisors/"))
    assert "Handledare" in page and "Avsluta" in page and "End the listing" not in page
