"""In a real browser: a trainee with enough approved records applies; the society grants;
the leader sees the credential granted."""
from datetime import date

import pytest

from society.extensions import db
from society.models import Accreditation

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]

LEDGER = (dict(kind="participation", units=20), dict(kind="co_leading", units=20),
          dict(kind="intensive", unit="event", units=2), dict(kind="supervisor_report", unit="event", units=1))


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/auth/login")


def test_trainee_applies_the_admin_grants_and_the_leader_sees_granted(page, society, admin, leader):
    uk = factories.frozen_rule_set(society, "uk")
    accreditation = factories.accreditation(leader.person, factories.version_labelled(uk, "2016"),
                                            training_started_on=date(2022, 3, 1))
    factories.approved_records(leader.person, *LEDGER)
    db.session.commit()
    page.on("dialog", lambda dialog: dialog.accept())  # the "Send your application?" confirmation

    factories.browser_log_in(page, leader.email)
    assert page.url.endswith("/portal/progress")
    assert page.get_by_role("status").first.inner_text().startswith("Every requirement is met")
    page.get_by_role("button", name="Apply for accreditation").click()
    page.wait_for_url("**/portal/accreditations")
    assert "applied" in page.locator(".accreditation .status").inner_text()
    log_out(page)

    factories.browser_log_in(page, admin.email)
    page.goto("/admin/accreditations/")
    page.get_by_role("link", name="Review").click()
    grant = page.locator("#action-grant")
    grant.locator("textarea[name=reason]").fill("Council meeting, all criteria met")
    grant.get_by_role("button", name="Grant").click()
    page.wait_for_load_state()
    assert "granted" in page.locator(".alert-success").first.inner_text()
    log_out(page)

    factories.browser_log_in(page, leader.email)
    page.goto("/portal/accreditations")
    assert page.locator(".accreditation .status").inner_text() == "granted"
    assert "Council meeting, all criteria met" in page.locator(".history").inner_text()
    db.session.rollback()
    assert db.session.get(Accreditation, accreditation.id).status == "granted"
