"""Participants: their attendance page (hours, CME points, sessions, groups, credentials) and their
attendance and credential certificates, issued, verified and downloaded like a leader's."""
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from society.extensions import db
from society.models import Attendance, Certificate, GroupSession
from society.services.accreditation import lifecycle
from society.services.certificates import attendance as attendance_certificates, bulk
from society.services.groups import participation
from tests import factories


def attended(group, person, held_on, minutes=90, session_format="in_person", role="participant"):
    session = GroupSession(group=group, held_on=held_on, minutes=minutes, format=session_format)
    db.session.add(session)
    db.session.flush()
    db.session.add(Attendance(session_id=session.id, person_id=person.id, role=role))
    db.session.flush()
    return session


@pytest.fixture
def participant_setup(app):
    society = factories.society(cme_points_per_hour=Decimal(1))
    person = factories.member_person(society, given_name="Petra", family_name="Participant", email="petra@example.org",
                                     language="sv")
    group = factories.group(society, name="Balintgrupp Uppsala")
    factories.participant(group, person)
    attended(group, person, date(2025, 2, 1), 90)
    attended(group, person, date(2025, 3, 1), 90, "online")
    attended(group, person, date(2026, 1, 10), 120)
    user = factories.user(role="member", person=person, email="petra-login@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, user.email)
    return society, person, group, client


def test_participant_sees_hours_and_cme_points_per_year(participant_setup):
    society, person, group, client = participant_setup
    page = client.get("/portal/attendance")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Balintgrupp Uppsala" in text
    years = {t.year: t for t in participation.yearly_totals(person.id)}
    assert years[2025].hours == Decimal("3.00") and years[2025].in_person_hours == Decimal("1.50")
    assert years[2025].cme_points == Decimal("3.00") and years[2026].cme_points == Decimal("2.00")
    assert 'data-year="2025"' in text and 'data-year="2026"' in text
    assert "120 min" in text


def test_cme_points_follow_the_societys_rate_and_none_without_one(participant_setup):
    society, person, _group, _client = participant_setup
    society.cme_points_per_hour = Decimal("0.5")
    db.session.flush()
    assert {t.year: t.cme_points for t in participation.yearly_totals(person.id)}[2025] == Decimal("1.50")
    society.cme_points_per_hour = None
    db.session.flush()
    assert all(t.cme_points is None for t in participation.yearly_totals(person.id))


def test_leading_a_session_is_not_attendance(participant_setup):
    society, person, group, _client = participant_setup
    attended(group, person, date(2025, 4, 1), 600, role="leader")
    assert {t.year: t.sessions for t in participation.yearly_totals(person.id)}[2025] == 2


def test_year_certificate_downloads_and_verifies_publicly(participant_setup, app):
    society, person, _group, client = participant_setup
    answer = client.post("/portal/attendance/certificate", data={"year": "2025", "society_id": str(society.id)})
    assert answer.status_code == 303
    pdf = client.get(answer.headers["Location"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.person_id == person.id))
    assert certificate.kind == "attendance" and certificate.period_start == date(2025, 1, 1)
    assert certificate.printed["hours"] == "3.00" and certificate.printed["cme_points"] == "3.00"
    assert certificate.language == "sv"
    anyone = app.test_client()
    page = anyone.get(f"/verify/{certificate.number}")
    assert page.status_code == 200 and "Petra Participant" in page.get_data(as_text=True)
    body = anyone.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["status"] == "valid" and body["holder_name"] == "Petra Participant"
    assert body["kind"] == "attendance" and body["hours"] == "3.00" and body["period_end"] == "2025-12-31"
    # Asked again, the same certificate.
    again = client.post("/portal/attendance/certificate", data={"year": "2025", "society_id": str(society.id)})
    assert again.headers["Location"] == answer.headers["Location"]


def test_no_certificate_for_a_year_without_sessions(participant_setup):
    society, _person, _group, client = participant_setup
    answer = client.post("/portal/attendance/certificate", data={"year": "2019", "society_id": str(society.id)},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 409
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 0


def test_another_member_cannot_download_it(participant_setup, app):
    society, person, _group, _client = participant_setup
    certificate = attendance_certificates.issue_year(person, society, 2025, date(2026, 1, 5))
    other = factories.user(role="member", person=factories.member_person(society), email="other@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, other.email)
    assert client.get(f"/certificates/{certificate.number}.pdf").status_code == 404


def test_group_period_certificate_counts_that_group_only(participant_setup):
    society, person, group, _client = participant_setup
    second = factories.group(society, name="Second group")
    attended(second, person, date(2025, 5, 1), 60)
    certificate = attendance_certificates.issue_attendance(person, society, date(2025, 1, 1), date(2025, 6, 30),
                                                           date(2025, 7, 1), group=second)
    assert certificate.group_id == second.id and certificate.printed["hours"] == "1.00"
    assert certificate.printed["groups"] == ["Second group"]


@pytest.mark.parametrize("language,title", [("en", "Certificate of attendance"), ("sv", "Intyg om deltagande"),
                                            ("de", "Teilnahmebescheinigung")])
def test_certificate_wording_in_three_languages(participant_setup, language, title):
    from society.services.certificates import pdf as certificate_pdf

    society, person, _group, _client = participant_setup
    society.languages = "sv,en,de"
    person.language = language
    certificate = attendance_certificates.issue_year(person, society, 2025, date(2026, 1, 5))
    html = certificate_pdf.html_for(certificate.printed)
    assert certificate.language == language and title in html


def participant_rule_set(society, hours=3):
    rule_set = factories.rule_set(society, code="participant-hours", audience="participant",
                                  credential_title="Balint work for participants")
    factories.rule_set_version(rule_set, [{"clause": 1, "option": "a", "kind": "participation", "unit": "hour",
                                           "minutes_per_unit": 60, "minimum": hours}])
    return rule_set


def test_participant_credential_shows_progress_and_certifies_only_when_met(participant_setup):
    society, person, group, client = participant_setup
    rule_set = participant_rule_set(society, hours=6)  # 5 hours attended so far
    db.session.commit()
    page = client.get("/portal/attendance").get_data(as_text=True)
    assert "Balint work for participants" in page and "Missing" in page
    refused = client.post(f"/portal/attendance/credential/{rule_set.id}", headers={"Accept": "application/json"})
    assert refused.status_code == 409
    attended(group, person, date(2026, 2, 10), 120)
    db.session.commit()
    answer = client.post(f"/portal/attendance/credential/{rule_set.id}")
    assert answer.status_code == 303
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.kind == "participant_credential"))
    assert certificate.rule_set_id == rule_set.id and certificate.printed["credential"] == "Balint work for participants"


def test_participant_rule_sets_never_start_a_leader_pathway(participant_setup):
    society, _person, _group, _client = participant_setup
    leader_rules = factories.rule_set(society, code="leaders")
    participant_rule_set(society)
    assert [r.id for r in lifecycle.rule_sets_of(society.id)] == [leader_rules.id]


def test_admin_issues_year_end_certificates_for_every_participant(participant_setup, app):
    society, person, group, _client = participant_setup
    second = factories.member_person(society)
    attended(group, second, date(2025, 9, 1), 90)
    nobody = factories.member_person(society)  # attended nothing in 2025
    attended(group, nobody, date(2026, 2, 1), 90)
    admin = factories.user(role="admin", society=society, email="boss@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, admin.email)
    assert client.get("/admin/attendance-certificates").status_code == 200
    answer = client.post("/admin/attendance-certificates", data={"year": "2025"})
    assert answer.status_code == 302 and "/admin/certificates/issued" in answer.headers["Location"]
    issued = db.session.scalars(db.select(Certificate).where(Certificate.kind == "attendance")).all()
    assert sorted(c.person_id for c in issued) == sorted([person.id, second.id])
    # Again: nothing more is due.
    client.post("/admin/attendance-certificates", data={"year": "2025"})
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 2
    day = issued[0].issued_on.isoformat()
    with client.post("/admin/certificates/issued.zip", data={"on": day}) as archive:
        assert archive.status_code == 200
        data = archive.data
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert sorted(zipped.namelist()) == sorted(f"{c.number}.pdf" for c in issued)


def test_bulk_rendering_on_several_processes_matches_the_certificates(participant_setup):
    society, person, group, _client = participant_setup
    people = [person] + [factories.member_person(society) for _ in range(4)]
    for day, other in enumerate(people[1:], start=1):
        attended(group, other, date(2025, 6, day), 90)
    issued = attendance_certificates.issue_year_end(society.id, 2025, date(2026, 1, 5))
    db.session.commit()
    every, new = bulk.render_many(issued, processes=2)
    assert sorted(new) == sorted(c.id for c in issued)
    assert all(stored.path.read_bytes().startswith(b"%PDF") for stored in every.values())


def test_cli_writes_the_attendance_certificate(participant_setup, runner, tmp_path):
    _society, _person, _group, _client = participant_setup
    target = tmp_path / "attendance.pdf"
    result = runner.invoke(args=["certificates", "attendance", "petra@example.org", "--year", "2025", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
    assert db.session.scalar(db.select(Certificate.kind)) == "attendance"


def test_cli_issues_every_participants_year_end_certificate_and_zips_them(participant_setup, runner, tmp_path):
    society, person, group, _client = participant_setup
    second = factories.member_person(society)
    attended(group, second, date(2025, 9, 1), 90)
    db.session.commit()
    target = tmp_path / "year-end.zip"
    args = ["certificates", "attendance-year-end", "--society", society.code, "--year", "2025", "--processes", "1"]
    result = runner.invoke(args=[*args, "--zip", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 certificates issued." in result.output and "2 PDFs rendered, 0 already stored." in result.output
    issued = db.session.scalars(db.select(Certificate).where(Certificate.kind == "attendance")).all()
    assert sorted(c.person_id for c in issued) == sorted([person.id, second.id])
    with zipfile.ZipFile(target) as zipped:
        assert sorted(zipped.namelist()) == sorted(f"{c.number}.pdf" for c in issued)
        assert all(zipped.read(name).startswith(b"%PDF") for name in zipped.namelist())
    again = runner.invoke(args=args)
    assert "0 certificates issued." in again.output and "0 PDFs rendered, 2 already stored." in again.output
    assert runner.invoke(args=[*args[:2], "--society", "NOPE", "--year", "2025"]).exit_code != 0


def test_a_participant_follows_another_societys_credential(participant_setup):
    society, person, _group, client = participant_setup
    elsewhere = factories.society(code="DBX", languages="de,en", default_language="de")
    rule_set = participant_rule_set(elsewhere, hours=4)
    db.session.commit()
    page = client.get("/portal/attendance").get_data(as_text=True)
    assert 'id="follow"' in page and "Credentials for participants" not in page
    answer = client.post("/portal/attendance/follow", data={"rule_set_id": str(rule_set.id)})
    assert answer.status_code == 303
    page = client.get("/portal/attendance").get_data(as_text=True)
    assert "Balint work for participants" in page and 'id="follow"' not in page
    # Five hours attended: met, so its certificate is issued by the other society, in its language.
    assert client.post(f"/portal/attendance/credential/{rule_set.id}").status_code == 303
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.kind == "participant_credential"))
    assert certificate.number.startswith("DBX-") and certificate.language == "de"


def test_bulk_workers_fill_the_template_as_the_one_at_a_time_path_does(participant_setup):
    from society.services.certificates import pdf as certificate_pdf

    society, person, _group, _client = participant_setup
    certificate = attendance_certificates.issue_year(person, society, 2025, date(2026, 1, 5))
    bulk._start_worker(certificate_pdf.STYLESHEET, certificate_pdf.USER_AGENT_STYLESHEET)
    assert bulk._html_of(certificate.printed) == certificate_pdf.html_for(certificate.printed)


def test_a_leader_sees_my_attendance_once_they_attended_a_group(leader_client, leader, society):
    assert 'href="/portal/attendance"' not in leader_client.get("/portal/certificates").get_data(as_text=True)
    group = factories.group(society)
    attended(group, leader.person, date(2025, 2, 1))
    db.session.commit()
    page = leader_client.get("/portal/attendance")
    assert page.status_code == 200 and 'href="/portal/attendance"' in page.get_data(as_text=True)


def test_an_erased_participants_attendance_certificate_verifies_as_withdrawn_without_a_name(participant_setup, app):
    from society.services.privacy import erasure
    society, person, _group, _client = participant_setup
    certificate = attendance_certificates.issue_year(person, society, 2025, date(2026, 1, 15))
    db.session.commit()
    erasure.erase(person, date(2026, 2, 1))
    db.session.commit()
    body = app.test_client().get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["status"] == "withdrawn" and body["holder_name"] == ""
    page = app.test_client().get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "Petra" not in page and 'data-status="withdrawn"' in page
