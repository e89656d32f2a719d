"""End to end in a real browser: a leader logs a record with an evidence PDF, an administrator
approves it on the bulk review page, and the leader sees it approved."""
import pytest

from society.extensions import db
from society.models import TrainingRecord

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]


def log_out(page):
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/auth/login")


def test_a_logged_record_with_evidence_is_approved_in_bulk_and_the_leader_sees_it(page, leader, admin, tmp_path):
    evidence = tmp_path / "seminar certificate.pdf"
    evidence.write_bytes(factories.PDF_BYTES)
    db.session.commit()

    factories.browser_log_in(page, leader.email)
    page.click("nav >> text=Log a record")
    page.select_option("select[name=kind]", "intensive")
    page.fill("input[name=occurred_on]", "2024-03-01")
    page.fill("input[name=units]", "1")
    page.select_option("select[name=unit]", "event")
    page.fill("input[name=minutes]", "480")
    page.fill("input[name=title]", "Spring leadership seminar")
    page.set_input_files("input[name=evidence]", str(evidence))
    page.click("button:has-text('Log the record')")
    page.wait_for_url("**/portal/records")
    row = page.locator("#my-records tr", has_text="Spring leadership seminar")
    assert row.locator("[data-status=pending]").count() == 1
    assert row.locator("a", has_text="seminar certificate.pdf").count() == 1
    log_out(page)

    factories.browser_log_in(page, admin.email)
    page.click("nav >> text=Records")
    review_row = page.locator("#review-records tr", has_text="Spring leadership seminar")
    review_row.locator("input[name=record_ids]").check()
    page.click("button:has-text('Approve selected')")
    page.wait_for_selector("text=1 record(s) approved.")
    log_out(page)

    db.session.rollback()
    record = db.session.scalars(db.select(TrainingRecord)).one()
    assert record.status == "approved" and record.decided_by_id == admin.id

    factories.browser_log_in(page, leader.email)
    page.goto("/portal/records")
    row = page.locator("#my-records tr", has_text="Spring leadership seminar")
    assert row.locator("[data-status=approved]").count() == 1
