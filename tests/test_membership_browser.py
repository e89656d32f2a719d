"""A member's own membership in a real browser: log in, see the membership and dues, update the
contact details, download the invoice; then an administrator pays it by importing a bank file."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import DuesPayment, Person
from society.services.membership import members

from . import factories
from .conftest import BROWSER_TIMEOUT_MS, browser_journey

pytestmark = [pytest.mark.browser, browser_journey]


def test_a_member_sees_dues_updates_contact_details_and_downloads_the_invoice_that_a_bank_file_pays(
        browser, live_server, society, tmp_path):
    society.payment_reference_scheme = "ocr"
    membership = factories.member(society, given_name="Maja", family_name="Medlem", email="maja@example.se",
                                  category="associate", city="Lund", language="en")
    factories.dues(membership, 2025, paid_on=date(2025, 1, 20))
    members.raise_period_dues(society.id, 2026, Decimal("450"), "SEK", date(2026, 12, 31), date(2026, 1, 1))
    member = factories.user(role="member", person=membership.person, email="maja@example.se")
    admin = factories.user(role="admin", society=society, email="board@example.se")
    db.session.commit()
    reference = db.session.scalar(select(DuesPayment.payment_reference).where(DuesPayment.period == 2026))

    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        factories.browser_log_in(page, member.email)
        page.click("nav >> text='My membership'")
        assert page.inner_text("#membership-category") == "Associate"
        dues = page.inner_text("#dues")
        assert "2025" in dues and "2026" in dues and reference in dues and "Unpaid" in dues

        page.click("text=Update my contact details")
        page.fill("input[name=phone]", "+46 70 123 45 67")
        page.fill("input[name=city]", "Malmö")
        page.click("#contact-form button[type=submit]")
        page.wait_for_selector("#contact")
        assert "Malmö" in page.inner_text("#contact")

        with page.expect_download() as download:
            page.click("tr[data-period='2026'] >> text=Invoice")
        path = tmp_path / "invoice.pdf"
        download.value.save_as(path)
        assert path.read_bytes().startswith(b"%PDF")
    finally:
        context.close()

    # The administrator sees the change in the member's history and books the payment from a bank file.
    bank = tmp_path / "bank.csv"
    bank.write_text(f"booked_on,amount,reference,payer\n2026-02-01,450.00,{reference},Maja Medlem\n", encoding="utf-8")
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        factories.browser_log_in(page, admin.email)
        page.goto(f"/admin/members/{membership.person_id}")
        assert "Malmö" in page.content()
        page.goto("/admin/payments/")
        page.set_input_files("input[name=file]", str(bank))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#preview")
        assert "Paid in full" in page.inner_text("#preview")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("text=Book the matched payments")
        page.wait_for_selector("#committed")
    finally:
        context.close()
    db.session.rollback()  # end the test's read snapshot: the server committed meanwhile
    assert db.session.scalar(select(DuesPayment.paid_on).where(DuesPayment.period == 2026)) == date(2026, 2, 1)
    assert db.session.get(Person, membership.person_id).city == "Malmö"
