"""A person's facts (issue 13, item 1): qualifications recorded on the member, evidenced, verified by an
administrator other than the person, read-only in the leader's portal; only verified ones count."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import AuditEvent, PersonQualification
from society.models._base import utcnow
from society.services.errors import Forbidden
from society.services.membership import qualifications
from society.services.membership.qualifications import QUALIFICATION_CODES, verified_qualifications

from . import factories
from .queries import counting_queries


def _form(**extra) -> dict:
    return {"code": "psychotherapy", "obtained_on": "2015-06-01", "note": "Ärztekammer Nordrhein", **extra}


def _add(client, person, **extra):
    return client.post(f"/admin/members/{person.id}/qualifications", data=_form(**extra),
                       content_type="multipart/form-data")


def _stored(person) -> list[PersonQualification]:
    db.session.expire_all()
    return list(db.session.scalars(select(PersonQualification).where(PersonQualification.person_id == person.id)))


# -- administrators: add, edit, verify, remove -------------------------------------------

def test_an_administrator_records_a_qualification_with_evidence_from_the_member_record(admin_client, society):
    person = factories.member_person(society)
    db.session.commit()
    response = _add(admin_client, person, evidence=(io.BytesIO(factories.PDF_BYTES), "Approbation.pdf"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/members/{person.id}#qualifications")
    (stored,) = _stored(person)
    assert (stored.code, stored.obtained_on, stored.evidence_name, stored.verified) == (
        "psychotherapy", date(2015, 6, 1), "Approbation.pdf", False)
    html = admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    assert "Psychotherapy qualification (Zusatzbezeichnung Psychotherapie)" in html and "Not verified yet" in html
    assert "Approbation.pdf" in html
    with admin_client.get(f"/admin/members/{person.id}/qualifications/{stored.id}/evidence") as download:
        assert download.status_code == 200 and download.data == factories.PDF_BYTES
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "PersonQualification",
                                                          AuditEvent.action == "create")).one()
    assert created.entity_id == stored.id


def test_bad_input_is_shown_beside_the_fields_and_nothing_is_saved(admin_client, society):
    person = factories.member_person(society)
    db.session.commit()
    future = (date.today() + timedelta(days=3)).isoformat()
    response = _add(admin_client, person, obtained_on=future, note="kept as typed")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-obtained_on-error"' in html and "The date cannot be in the future." in html
    assert 'value="kept as typed"' in html
    assert _add(admin_client, person, code="astrology").status_code == 422
    not_a_pdf = _add(admin_client, person, evidence=(io.BytesIO(b"MZ not a pdf"), "diploma.pdf"))
    assert not_a_pdf.status_code == 422 and 'id="f-evidence-error"' in not_a_pdf.get_data(as_text=True)
    assert _stored(person) == []


def test_a_qualification_is_recorded_once_per_person(admin_client, society):
    person = factories.member_person(society)
    factories.qualification(person, code="psychotherapy")
    db.session.commit()
    response = _add(admin_client, person)
    assert response.status_code == 422
    assert "This qualification is recorded already; edit it instead." in response.get_data(as_text=True)


def test_verifying_makes_it_count_and_changing_its_date_makes_it_a_claim_again(admin_client, admin, society):
    person = factories.member_person(society)
    qualification = factories.qualification(person, code="psychiatry_specialist")
    db.session.commit()
    assert verified_qualifications([person.id]) == {}
    response = admin_client.post(f"/admin/members/{person.id}/qualifications/{qualification.id}/verify")
    assert response.status_code == 302
    (stored,) = _stored(person)
    assert stored.verified_by_id == admin.id and stored.verified_at is not None
    assert verified_qualifications([person.id]) == {person.id: [("psychiatry_specialist", date(2015, 6, 1), None)]}
    assert "Verified" in admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    edit = admin_client.post(f"/admin/members/{person.id}/qualifications/{qualification.id}/edit",
                             data={"code": "psychiatry_specialist", "obtained_on": "2016-01-01",
                                   "version": stored.version_id}, content_type="multipart/form-data")
    assert edit.status_code == 302
    (stored,) = _stored(person)
    assert stored.obtained_on == date(2016, 1, 1) and not stored.verified
    assert verified_qualifications([person.id]) == {}


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(admin_client, society):
    person = factories.member_person(society)
    qualification = factories.qualification(person)
    db.session.commit()
    response = admin_client.post(f"/admin/members/{person.id}/qualifications/{qualification.id}/edit",
                                 data={"code": "psychotherapy", "obtained_on": "2011-11-11", "version": 99},
                                 content_type="multipart/form-data")
    assert response.status_code == 409 and 'value="2011-11-11"' in response.get_data(as_text=True)
    assert _stored(person)[0].obtained_on == date(2015, 6, 1)


def test_an_administrator_records_when_the_training_began_and_it_is_audited(admin_client, society):
    person = factories.member_person(society)
    db.session.commit()
    response = _add(admin_client, person, code="psychodynamic_training", obtained_on="2020-06-30",
                    training_started_on="2017-09-01")
    assert response.status_code == 302
    (stored,) = _stored(person)
    assert stored.training_started_on == date(2017, 9, 1)
    html = admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    assert "training began" in html
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "PersonQualification",
                                                          AuditEvent.action == "create")).one()
    assert "2017-09-01" in str(created.changes)


def test_the_training_cannot_begin_after_the_qualification_was_obtained(admin_client, society):
    person = factories.member_person(society)
    db.session.commit()
    response = _add(admin_client, person, obtained_on="2015-06-01", training_started_on="2015-06-02")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-training_started_on-error"' in html
    assert "The training cannot begin after the qualification was obtained." in html
    assert _stored(person) == []


def test_changing_when_the_training_began_makes_a_verified_qualification_a_claim_again(admin_client, admin, society):
    person = factories.member_person(society)
    qualification = factories.qualification(person, code="psychodynamic_training", obtained_on=date(2020, 6, 30),
                                            verified_by_id=admin.id, verified_at=utcnow())
    db.session.commit()
    response = admin_client.post(f"/admin/members/{person.id}/qualifications/{qualification.id}/edit",
                                 data={"code": "psychodynamic_training", "obtained_on": "2020-06-30",
                                       "training_started_on": "2017-09-01", "version": qualification.version_id},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    (stored,) = _stored(person)
    assert stored.training_started_on == date(2017, 9, 1) and not stored.verified


def test_an_administrator_removes_a_qualification(admin_client, society):
    person = factories.member_person(society)
    qualification = factories.qualification(person)
    db.session.commit()
    assert admin_client.post(f"/admin/members/{person.id}/qualifications/{qualification.id}/remove").status_code == 302
    assert _stored(person) == []
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "PersonQualification",
                                                       AuditEvent.action == "delete")).one()


def test_another_societys_member_is_not_found(admin_client):
    stranger = factories.member_person(factories.society())
    qualification = factories.qualification(stranger)
    db.session.commit()
    assert _add(admin_client, stranger).status_code == 404
    base = f"/admin/members/{stranger.id}/qualifications/{qualification.id}"
    assert admin_client.post(f"{base}/verify").status_code == 404
    assert admin_client.post(f"{base}/remove").status_code == 404
    assert admin_client.get(f"{base}/edit").status_code == 404
    assert not _stored(stranger)[0].verified


# -- the contract for the evaluator -------------------------------------------------------

def test_verified_qualifications_of_many_people_in_one_query(society):
    people = [factories.member_person(society) for _ in range(3)]
    verifier = factories.user(role="admin", society=society)
    factories.qualification(people[0], code="psychotherapy", obtained_on=date(2010, 1, 1),
                            verified_by_id=verifier.id, verified_at=utcnow())
    factories.qualification(people[0], code="psychodynamic_training", obtained_on=date(2008, 1, 1),
                            verified_by_id=verifier.id, verified_at=utcnow())
    factories.qualification(people[1], code="psychoanalysis")  # a claim: does not count
    with counting_queries(selects_only=True) as statements:
        found = verified_qualifications([p.id for p in people])
    assert len(statements) == 1
    assert found == {people[0].id: [("psychodynamic_training", date(2008, 1, 1), None),
                                     ("psychotherapy", date(2010, 1, 1), None)]}
    assert "psychotherapy" in QUALIFICATION_CODES and verified_qualifications([]) == {}


# -- the person themselves ----------------------------------------------------------------

def test_the_leader_portal_shows_my_qualifications_read_only_with_their_state(leader_client, leader, society):
    mine = factories.qualification(leader.person, code="general_practice_specialist")
    other = factories.member_person(society)
    factories.qualification(other, code="clinical_psychologist_licence")
    db.session.commit()
    html = leader_client.get("/portal/qualifications").get_data(as_text=True)
    assert "Specialist in general practice" in html and "Not verified yet" in html
    assert "Licensed clinical psychologist" not in html
    assert f"/admin/members/{leader.person_id}/qualifications/{mine.id}/verify" not in html


def test_a_person_attaches_evidence_to_their_own_qualification_only(leader_client, leader, admin, society):
    mine = factories.qualification(leader.person, verified_by_id=admin.id, verified_at=utcnow())
    other = factories.qualification(factories.member_person(society))
    db.session.commit()
    response = leader_client.post(f"/portal/qualifications/{mine.id}/evidence", content_type="multipart/form-data",
                                  data={"evidence": (io.BytesIO(factories.PNG_BYTES), "diploma.png"),
                                        "version": mine.version_id})
    assert response.status_code == 302
    (stored,) = _stored(leader.person)
    # New evidence: the society verifies again.
    assert stored.evidence_name == "diploma.png" and not stored.verified
    with leader_client.get(f"/portal/qualifications/{mine.id}/evidence") as download:
        assert download.data == factories.PNG_BYTES
    theirs = leader_client.post(f"/portal/qualifications/{other.id}/evidence", content_type="multipart/form-data",
                                data={"evidence": (io.BytesIO(factories.PNG_BYTES), "diploma.png")})
    assert theirs.status_code == 404
    assert leader_client.get(f"/portal/qualifications/{other.id}/evidence").status_code == 404
    empty = leader_client.post(f"/portal/qualifications/{mine.id}/evidence", content_type="multipart/form-data",
                               data={"version": stored.version_id})
    assert empty.status_code == 422 and "Choose a file to attach." in empty.get_data(as_text=True)


def test_a_person_can_never_verify_their_own_qualification(app, leader_client, leader, society):
    mine = factories.qualification(leader.person)
    # An administrator of the society who is a member too, with a qualification of their own.
    admin_person = factories.member_person(society)
    admins_own = factories.qualification(admin_person, code="psychoanalysis")
    own_admin = factories.user(role="admin", society=society, person=admin_person, email="self@example.org")
    db.session.commit()
    assert leader_client.post(f"/admin/members/{leader.person_id}/qualifications/{mine.id}/verify").status_code == 403
    admin_client = app.test_client()
    factories.log_in(admin_client, own_admin.email)
    refused = admin_client.post(f"/admin/members/{admin_person.id}/qualifications/{admins_own.id}/verify")
    assert refused.status_code == 403
    assert "You cannot verify your own qualification" in refused.get_data(as_text=True)
    assert not _stored(admin_person)[0].verified and verified_qualifications([admin_person.id]) == {}
    # The same administrator verifies someone else's.
    assert admin_client.post(f"/admin/members/{leader.person_id}/qualifications/{mine.id}/verify").status_code == 302
    assert _stored(leader.person)[0].verified


def test_the_service_refuses_self_verification_whoever_calls_it(society, leader):
    mine = factories.qualification(leader.person)
    admin_person = factories.member_person(society)
    admins_own = factories.qualification(admin_person)
    own_admin = factories.user(role="admin", society=society, person=admin_person)
    with pytest.raises(Forbidden):
        qualifications.verify(admins_own, own_admin)
    with pytest.raises(Forbidden):
        qualifications.verify(mine, leader)


def test_the_history_of_the_member_shows_qualification_changes(admin_client, society):
    person = factories.member_person(society)
    db.session.commit()
    _add(admin_client, person)
    html = admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    # In words: the record type, the field and the code by its label.
    assert "Qualification added" in history and "Obtained on" in history
    assert "Psychotherapy qualification (Zusatzbezeichnung Psychotherapie)" in history


def test_the_record_shows_the_persons_own_columns_in_the_qualifications_section(admin_client, society):
    person = factories.member_person(society, psychodynamically_trained=True,
                                     psychotherapy_qualified_on=date(2011, 4, 1))
    db.session.commit()
    html = admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    section = html[html.index('id="qualifications"'):html.index('id="qualification-form"')]
    assert "Psychodynamically trained" in section and "Apr 1, 2011" in section
    form = admin_client.get(f"/admin/members/{person.id}/edit").get_data(as_text=True)
    assert "kept in the Qualifications section of the member’s record" in form
