"""In a real browser: a leader downloads their own certificate and not another's; the
verification page and its JSON follow a revocation at once."""
import subprocess
from datetime import date, timedelta

import pytest

from society.extensions import db

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, pytest.mark.slow, browser_journey]
TODAY = date.today()


def issued(person, society):
    accreditation = factories.granted_accreditation(person, society, granted_on=TODAY - timedelta(days=30),
                                                    expires_on=TODAY + timedelta(days=1800))
    return factories.grant(accreditation)


def test_a_leader_downloads_their_certificate_and_not_anothers(page, leader, society, tmp_path):
    own = issued(leader.person, society)
    other_person = factories.person(given_name="Olga", family_name="Other")
    others = issued(other_person, society)
    own_number, other_number = own.number, others.number
    db.session.commit()

    factories.browser_log_in(page, leader.email)
    page.goto("/portal/certificates")
    assert page.get_by_role("link", name="My certificates").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{own_number}.pdf"
    target = tmp_path / "mine.pdf"
    download.save_as(target)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, check=True, text=True).stdout
    assert "Lena Leader" in text and own_number in text

    refused = page.request.get(f"/certificates/{other_number}.pdf")
    assert refused.status in (403, 404)
    assert other_number not in page.content()


def test_verification_follows_a_revocation_at_once(page, society):
    certificate = issued(factories.person(given_name="Rut", family_name="Revoked"), society)
    number = certificate.number
    db.session.commit()

    page.goto("/verify")
    page.fill("input[name=number]", number.lower())
    page.click("button[type=submit]")
    page.wait_for_url(f"**/verify/{number}")
    assert page.locator("#status [data-status]").get_attribute("data-status") == "valid"
    assert page.locator("#holder").inner_text() == "Rut Revoked"

    accreditation = certificate.accreditation
    accreditation.status, accreditation.invalid_from = "revoked", TODAY
    accreditation.public_reason = "Revoked by the Council."
    db.session.commit()

    page.reload()
    assert page.locator("#status [data-status]").get_attribute("data-status") == "revoked"
    assert page.locator("#reason").inner_text() == "Revoked by the Council."
    answer = page.request.get(f"/api/v1/certificates/{number}").json()
    assert answer["status"] == "revoked" and answer["reason"] == "Revoked by the Council."


def test_an_admin_issues_due_certificates_watches_the_progress_and_downloads_the_zip(page, admin, society, tmp_path):
    import zipfile

    for given in ("Alva", "Bruno"):
        factories.granted_accreditation(factories.person(given_name=given, family_name="Due"), society)
    db.session.commit()

    factories.browser_log_in(page, admin.email)
    page.get_by_role("button", name="More").click()  # the top bar's menu of less frequent pages
    page.get_by_role("link", name="Certificates").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Issue 2 due certificates").click()
    page.wait_for_url("**/admin/certificates/issued?on=*")
    bar = page.locator("[data-progress-bar]")
    bar.filter(has_text="2 / 2").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download all as zip").click()
    target = tmp_path / "batch.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert len(archive.namelist()) == 2 and all(name.endswith(".pdf") for name in archive.namelist())
