"""Certificates: issued on grant or renewal, verified by anyone, downloaded by their holder
and their society's administrators, issued in bulk with a zip."""
import io
import json
import re
import subprocess
import zipfile
from datetime import date, timedelta

import pytest

from society.extensions import db
from society.models import AuditEvent, Certificate
from society.services.certificates import issuing as certificates, rendering

from . import demo_data, factories

TODAY = date.today()
NUMBER = re.compile(r"^[A-Z0-9]{1,12}-\d{4}-[0-9A-HJKMNP-TV-Z]{6}$")
PUBLIC_KEYS = {"number", "status", "reason", "holder_name", "credential", "rule_set_version", "society",
               "issued_on", "granted_on", "expires_on", "checked_on",
               "kind", "period_start", "period_end", "hours"}  # what an attendance certificate states


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def certificate(leader, society):
    accreditation = factories.granted_accreditation(leader.person, society, granted_on=TODAY - timedelta(days=400),
                                                    expires_on=TODAY + timedelta(days=800))
    issued = factories.grant(accreditation)
    db.session.commit()
    return issued


def other_leader(society, name="Otto Other"):
    given, family = name.split(" ")
    person = factories.person(given_name=given, family_name=family)
    factories.membership(person, society)
    user = factories.user(role="leader", person=person)
    accreditation = factories.granted_accreditation(person, society, granted_on=TODAY - timedelta(days=10),
                                                    expires_on=TODAY + timedelta(days=1000))
    issued = factories.grant(accreditation)
    db.session.commit()
    return user, issued


# -- issuing ---------------------------------------------------------------------

def test_granting_an_accreditation_issues_a_certificate_with_a_readable_number(society):
    person = factories.person(given_name="Karin", family_name="Berg")
    accreditation = factories.granted_accreditation(person, society, granted_on=date(2026, 2, 3),
                                                    expires_on=date(2031, 2, 3))
    issued = factories.grant(accreditation, on=date(2026, 2, 3))
    assert NUMBER.match(issued.number) and issued.number.startswith(f"{society.code}-2026-")
    assert (issued.issued_on, issued.expires_on) == (date(2026, 2, 3), date(2031, 2, 3))
    frozen = json.loads(issued.rendered_from)
    assert frozen["holder"]["name"] == "Karin Berg" and frozen["verify_url"].endswith(f"/verify/{issued.number}")


def test_a_repeated_grant_signal_issues_nothing_new_but_a_renewal_does(society):
    accreditation = factories.granted_accreditation(factories.person(), society, granted_on=date(2021, 5, 1),
                                                    expires_on=date(2026, 5, 1))
    first = factories.grant(accreditation, on=date(2021, 5, 1))
    assert factories.grant(accreditation, on=date(2021, 5, 2)).id == first.id
    accreditation.expires_on = date(2031, 5, 1)
    renewed = factories.grant(accreditation, on=date(2026, 4, 20), action="renew")
    assert renewed.id != first.id and renewed.number.split("-")[1] == "2026"
    assert renewed.expires_on == date(2031, 5, 1)
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 2


def test_numbers_are_unique_and_typed_numbers_are_forgiven():
    numbers = certificates.new_numbers("SBS-2026", 2000)
    assert len(set(numbers)) == 2000 and all(NUMBER.match(n) for n in numbers)
    assert certificates.normalize_number(" sbs-2026-7k3q9p ") == "SBS-2026-7K3Q9P"
    assert certificates.normalize_number("SBS-2026-7K3Q9O") == "SBS-2026-7K3Q90"  # O read as zero
    assert certificates.normalize_number("SOL-2026-IL0000") == "SOL-2026-110000"  # the prefix is left alone
    for bad in ("", "SBS-2026", "SBS-26-7K3Q9P", "SBS-2026-7K3Q9", "<script>", "SBS-2026-7K3Q9P-1"):
        assert certificates.normalize_number(bad) is None


@pytest.mark.parametrize("offered, default, person_language, expected", [
    ("sv,en", "sv", "en", "en"),
    ("sv,en", "sv", "sv", "sv"),
    ("sv,en", "sv", "de", "sv"),  # German is not offered by this society
    ("de,en", "de", "de", "de"),
    ("en", "en", "sv", "en"),
    ("fr", "fr", "fr", "en"),  # no certificate wording in French: English
])
def test_certificate_is_in_the_holders_language_where_the_society_offers_it(offered, default, person_language, expected):
    society = factories.society(languages=offered, default_language=default)
    person = factories.person(language=person_language)
    issued = factories.grant(factories.granted_accreditation(person, society))
    assert issued.language == expected


def test_certificates_snapshot_what_they_say(society):
    """Renaming the holder later changes neither the certificate nor what it verifies as."""
    person = factories.person(given_name="Anna", family_name="Ek")
    issued = factories.grant(factories.granted_accreditation(person, society))
    person.family_name = "Lund"
    db.session.flush()
    assert certificates.verify(issued.number, TODAY).holder_name == "Anna Ek"


# -- status -----------------------------------------------------------------------

def status(certificate_, day=TODAY):
    return certificates.status_on(certificate_, day)


def test_status_follows_the_accreditation_on_the_day_asked(society):
    accreditation = factories.granted_accreditation(factories.person(), society, granted_on=date(2024, 1, 1),
                                                    expires_on=date(2029, 1, 1), warning_days="90,30")
    issued = factories.grant(accreditation)
    assert status(issued, date(2028, 1, 1)) == ("valid", None)
    assert status(issued, date(2028, 10, 3)) == ("expiring", None)  # 90 days before expiry
    assert status(issued, date(2028, 10, 2)) == ("valid", None)
    assert status(issued, date(2029, 1, 1)) == ("expiring", None)
    assert status(issued, date(2029, 1, 2)) == ("expired", None)
    accreditation.status, accreditation.invalid_from = "suspended", date(2026, 6, 1)
    accreditation.public_reason = "Under review by the Council."
    assert status(issued, date(2026, 5, 31)) == ("valid", None)  # not yet in effect
    assert status(issued, date(2026, 6, 1)) == ("suspended", "Under review by the Council.")
    accreditation.status = "revoked"
    assert status(issued, date(2026, 6, 1)) == ("revoked", "Under review by the Council.")
    accreditation.status, accreditation.invalid_from = "granted", None  # reinstated
    assert status(issued, date(2026, 6, 1)) == ("valid", None)


def test_an_older_certificate_expires_with_its_own_period_after_a_renewal(society):
    accreditation = factories.granted_accreditation(factories.person(), society, granted_on=date(2021, 5, 1),
                                                    expires_on=date(2026, 5, 1))
    old = factories.grant(accreditation, on=date(2021, 5, 1))
    accreditation.expires_on = date(2031, 5, 1)
    new = factories.grant(accreditation, on=date(2026, 4, 20), action="renew")
    assert status(old, date(2026, 6, 1))[0] == "expired"
    assert status(new, date(2026, 6, 1))[0] == "valid"


# -- verification, public ------------------------------------------------------------

def test_anyone_can_verify_a_certificate_without_logging_in(client, certificate):
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lena Leader" in html and 'data-status="valid"' in html and "Accredited Balint Group Leader" in html
    assert "lena@example.org" not in html

    answer = client.get(f"/api/v1/certificates/{certificate.number}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == PUBLIC_KEYS, "nothing personal beyond the holder's name"
    assert body["status"] == "valid" and body["holder_name"] == "Lena Leader" and body["reason"] is None
    assert body["society"] == {"code": certificate.accreditation.rule_set_version.rule_set.society.code,
                               "name": certificate.accreditation.rule_set_version.rule_set.society.name}
    assert body["checked_on"] == TODAY.isoformat()


def test_verification_shows_a_revocation_and_its_public_reason_at_once(client, certificate):
    accreditation = certificate.accreditation
    accreditation.status, accreditation.invalid_from = "revoked", TODAY
    accreditation.public_reason = "Revoked by the Council on 1 March."
    accreditation.decision_reason = "Confidential: complaint from a participant."
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["status"] == "revoked" and body["reason"] == "Revoked by the Council on 1 March."
    html = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "Revoked by the Council" in html and "Confidential" not in html


def test_an_unknown_number_is_a_404_with_problem_details_on_the_api(client, certificate):
    unknown = "S0-2026-ZZZZZZ"
    response = client.get(f"/api/v1/certificates/{unknown}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
    assert client.get("/api/v1/certificates/not-a-number").status_code == 404
    page = client.get(f"/verify/{unknown}")
    assert page.status_code == 404 and "No certificate has the number" in page.get_data(as_text=True)


def test_the_verify_form_takes_a_typed_number(client, certificate):
    assert client.get("/verify").status_code == 200
    typed = certificate.number.lower().replace("-", "- ", 1)
    response = client.get("/verify", query_string={"number": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{certificate.number}")
    refused = client.get("/verify", query_string={"number": "hello"})
    assert refused.status_code == 422 and "looks like SBS-2026-7K3Q9P" in refused.get_data(as_text=True)
    assert 'value="hello"' in refused.get_data(as_text=True)


def test_a_lower_case_number_in_the_address_redirects_to_the_printed_form(client, certificate):
    response = client.get(f"/verify/{certificate.number.lower()}")
    assert response.status_code == 301 and response.headers["Location"].endswith(certificate.number)


# -- downloads ------------------------------------------------------------------------

def test_the_holder_downloads_their_pdf_rendered_once_and_stored_by_content(app, leader_client, certificate, monkeypatch):
    first = leader_client.get(f"/certificates/{certificate.number}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    text = pdf_text(first.data)
    assert "Lena Leader" in text and certificate.number in text
    etag = first.headers["ETag"].strip('"')
    import hashlib

    assert etag == hashlib.sha256(first.data).hexdigest()
    db.session.refresh(certificate)
    assert certificate.pdf_sha256 == etag and certificate.pdf_path == f"certificates/{etag[:2]}/{etag}.pdf"
    assert "private" in first.headers["Cache-Control"] and "public" not in first.headers["Cache-Control"]

    def no_render(*_args, **_kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(rendering, "render_pdf", no_render)
    again = leader_client.get(f"/certificates/{certificate.number}.pdf")
    assert again.data == first.data
    revalidated = leader_client.get(f"/certificates/{certificate.number}.pdf", headers={"If-None-Match": f'"{etag}"'})
    assert revalidated.status_code == 304


def test_downloads_are_audited(leader_client, certificate, leader):
    leader_client.get(f"/certificates/{certificate.number}.pdf")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "certificate_download"))
    assert event.actor_user_id == leader.id and event.entity_id == certificate.id


def test_a_download_is_audited_once_per_user_and_day(leader_client, admin_client, certificate, leader, admin):
    def downloads():
        db.session.rollback()
        return [(e.actor_user_id, e.entity_id) for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "certificate_download").order_by(AuditEvent.id))]

    for _ in range(3):
        assert leader_client.get(f"/certificates/{certificate.number}.pdf").status_code == 200
    assert downloads() == [(leader.id, certificate.id)], "the same file again the same day adds nothing"
    admin_client.get(f"/certificates/{certificate.number}.pdf")
    assert downloads() == [(leader.id, certificate.id), (admin.id, certificate.id)], "another reader is kept"

    from datetime import datetime, timezone

    today = datetime.now(timezone.utc).date()
    assert certificates.for_download(certificate.number, leader, today).audited
    assert not certificates.for_download(certificate.number, leader, today + timedelta(days=1)).audited
    assert not certificates.for_download(certificate.number, leader, today - timedelta(days=1)).audited


def test_only_the_holder_and_their_societys_administrators_can_download(app, society, certificate, admin_client):
    other_user, _ = other_leader(society)
    as_other = app.test_client()
    factories.log_in(as_other, other_user.email)
    assert as_other.get(f"/certificates/{certificate.number}.pdf").status_code == 404
    assert admin_client.get(f"/certificates/{certificate.number}.pdf").status_code == 200

    elsewhere = factories.user(role="admin", society=factories.society())
    db.session.commit()
    as_foreign_admin = app.test_client()
    factories.log_in(as_foreign_admin, elsewhere.email)
    assert as_foreign_admin.get(f"/certificates/{certificate.number}.pdf").status_code == 404

    anonymous = app.test_client().get(f"/certificates/{certificate.number}.pdf")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_revoking_changes_what_verification_says_never_the_pdf(client, leader_client, certificate):
    before = leader_client.get(f"/certificates/{certificate.number}.pdf").data
    certificate.accreditation.status, certificate.accreditation.invalid_from = "revoked", TODAY
    db.session.commit()
    assert leader_client.get(f"/certificates/{certificate.number}.pdf").data == before
    assert client.get(f"/api/v1/certificates/{certificate.number}").get_json()["status"] == "revoked"


def test_leaders_see_my_certificates_with_download_links(app, society, leader_client, certificate):
    _other_user, others = other_leader(society)
    html = leader_client.get("/portal/certificates").get_data(as_text=True)
    assert f"/certificates/{certificate.number}.pdf" in html
    assert others.number not in html
    assert "My certificates" in html  # the menu entry


# -- administrators ----------------------------------------------------------------------

def test_admins_list_and_search_their_societys_certificates(admin_client, society, certificate):
    _user, others = other_leader(society, "Otto Other")
    foreign = factories.grant(factories.granted_accreditation(factories.person(given_name="Fay", family_name="Foreign"),
                                                              factories.society()))
    db.session.commit()
    html = admin_client.get("/admin/certificates").get_data(as_text=True)
    assert certificate.number in html and others.number in html and foreign.number not in html
    by_holder = admin_client.get("/admin/certificates", query_string={"q": "otto"}).get_data(as_text=True)
    assert others.number in by_holder and certificate.number not in by_holder
    by_number = admin_client.get("/admin/certificates", query_string={"q": certificate.number.lower()}).get_data(as_text=True)
    assert certificate.number in by_number and others.number not in by_number
    assert admin_client.get("/admin/certificates", query_string={"q": "Fay"}).get_data(as_text=True).count("Foreign") == 0
    assert admin_client.get("/admin/certificates", query_string={"q": "x" * 101}).status_code == 422


def test_admins_issue_all_due_certificates_and_download_them_as_a_zip(admin_client, society):
    def accredited(name, **kw):
        given, family = name.split()
        return factories.granted_accreditation(factories.person(given_name=given, family_name=family), society, **kw)

    due = [accredited("Ada Due"), accredited("Bo Due", expires_on=None)]
    covered = accredited("Cy Covered")
    factories.grant(covered)
    accredited("Di Expired", granted_on=date(2015, 1, 1), expires_on=date(2020, 1, 1))
    suspended = accredited("Ed Suspended")
    suspended.status, suspended.invalid_from = "suspended", date(2025, 6, 1)
    factories.granted_accreditation(factories.person(), factories.society())  # another society's
    db.session.commit()

    listing = admin_client.get("/admin/certificates").get_data(as_text=True)
    assert "Issue 2 due certificates" in listing
    response = admin_client.post("/admin/certificates/issue-due")
    assert response.status_code == 302 and f"/admin/certificates/issued?on={TODAY.isoformat()}" in response.headers["Location"]
    issued = db.session.scalars(db.select(Certificate).where(Certificate.issued_on == TODAY)).all()
    assert sorted(c.accreditation_id for c in issued) == sorted(a.id for a in due)
    assert certificates.count_due(society.id, TODAY) == 0

    batch = admin_client.get(f"/admin/certificates/issued?on={TODAY.isoformat()}").get_data(as_text=True)
    assert "0 of 2 PDFs ready" in batch
    progress = admin_client.post("/admin/certificates/issued/render-next", data={"on": TODAY.isoformat()}).get_json()
    assert progress == {"total": 2, "rendered": 1, "done": False}

    with admin_client.post("/admin/certificates/issued.zip", data={"on": TODAY.isoformat()}) as archive:
        assert archive.status_code == 200 and archive.mimetype == "application/zip"
        data = archive.data
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert sorted(zipped.namelist()) == sorted(f"{c.number}.pdf" for c in issued)
        texts = [pdf_text(zipped.read(name)) for name in zipped.namelist()]
    assert any("Ada Due" in t for t in texts) and any("Bo Due" in t for t in texts)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "certificates_zip")) is not None
    done = admin_client.post("/admin/certificates/issued/render-next", data={"on": TODAY.isoformat()}).get_json()
    assert done == {"total": 2, "rendered": 2, "done": True}


def test_the_batch_page_asks_for_a_valid_day(admin_client):
    assert admin_client.get("/admin/certificates/issued?on=yesterday").status_code == 422


def test_leaders_cannot_reach_the_admin_pages(leader_client):
    assert leader_client.get("/admin/certificates").status_code == 403
    assert leader_client.post("/admin/certificates/issue-due").status_code == 403


# -- command line ---------------------------------------------------------------------------

def test_cli_writes_one_pdf(runner, certificate, tmp_path):
    target = tmp_path / "one.pdf"
    result = runner.invoke(args=["certificates", "pdf", certificate.number, str(target)])
    assert result.exit_code == 0, result.output
    assert certificate.number in pdf_text(target.read_bytes())
    missing = runner.invoke(args=["certificates", "pdf", "S0-2026-ZZZZZZ", str(tmp_path / "none.pdf")])
    assert missing.exit_code != 0 and "No certificate" in missing.output


def test_cli_issues_due_certificates_with_a_progress_bar_and_a_zip(runner, society, tmp_path):
    for name in ("Ann One", "Bea Two"):
        given, family = name.split()
        factories.granted_accreditation(factories.person(given_name=given, family_name=family), society)
    db.session.commit()
    target = tmp_path / "due.zip"
    result = runner.invoke(args=["certificates", "issue-due", "--society", society.code, "--zip", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 certificates issued" in result.output and "Rendering certificates" in result.output
    db.session.rollback()
    numbers = db.session.scalars(db.select(Certificate.number)).all()
    with zipfile.ZipFile(target) as zipped:
        assert sorted(zipped.namelist()) == sorted(f"{n}.pdf" for n in numbers)
    assert all(db.session.scalars(db.select(Certificate.pdf_sha256)))
    again = runner.invoke(args=["certificates", "issue-due", "--society", society.code])
    assert "0 certificates issued" in again.output
    assert runner.invoke(args=["certificates", "issue-due", "--society", "NOPE"]).exit_code != 0


# -- demo -----------------------------------------------------------------------------------

def test_demo_accreditations_that_were_granted_have_certificates_without_pdfs_yet():
    from society.models import Accreditation
    from society.models.accreditation import VALID_ONCE_STATUSES

    demo_data.seed(40, today=date(2026, 11, 23))
    granted = db.session.scalars(db.select(Accreditation).where(Accreditation.status.in_(VALID_ONCE_STATUSES))).all()
    issued = db.session.scalars(db.select(Certificate)).all()
    assert granted and sorted(c.accreditation_id for c in issued) == sorted(a.id for a in granted)
    assert all(c.pdf_sha256 is None for c in issued)
    assert all(c.issued_on == c.accreditation.granted_on for c in issued)


def test_the_accreditation_services_grant_and_renewal_issue_certificates(society, admin):
    """The same, end to end through the accreditation lifecycle rather than a hand-sent signal."""
    from society.services.accreditation import lifecycle

    person = factories.person(given_name="Gun", family_name="Granted")
    version = factories.rule_set_version(factories.rule_set(society), validity_months=60)
    applied = factories.accreditation(person, version, status="applied")
    lifecycle.grant(applied, admin, "Requirements met.", date(2026, 1, 15))
    first = db.session.scalars(db.select(Certificate).where(Certificate.accreditation_id == applied.id)).all()
    assert len(first) == 1 and first[0].expires_on == date(2031, 1, 15)
    lifecycle.renew(applied, admin, None, date(2030, 12, 1))
    both = db.session.scalars(db.select(Certificate).where(Certificate.accreditation_id == applied.id)).all()
    assert len(both) == 2 and max(c.expires_on for c in both) == date(2036, 1, 15)
