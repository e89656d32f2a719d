"""Two-factor authentication in a real browser: the society requires it, the administrator is
sent to enrol, scans (reads) the QR code's key, saves the recovery codes, then logs in with a code."""
import time

import pyotp
import pytest

from society.extensions import db
from society.models import Society

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]


def test_required_enrolment_then_log_in_with_a_code(page, admin):
    db.session.get(Society, admin.society_id).require_admin_2fa = True
    db.session.commit()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    factories.browser_log_in(page, admin.email)
    assert page.url.endswith("/auth/two-factor")
    assert page.is_visible("text=Your society requires administrators")
    page.click("text=Set up two-factor authentication")
    page.wait_for_selector('img[src^="data:image/svg+xml"]')  # the next page, however busy the machine
    # The QR code is an inline image the CSP allows: it is drawn (it has a width), nothing is refused.
    assert page.evaluate("document.querySelector('img[src^=\"data:image/svg+xml\"]').naturalWidth") > 0
    secret = page.inner_text("[data-secret]")
    totp = pyotp.TOTP(secret)
    # Codes are accepted one time step either way, each step once: the enrolment takes this step's code,
    # the log-in below the next step's, so neither depends on how long a busy machine takes to answer.
    page.fill("input[name=code]", totp.now())
    page.click("button[type=submit] >> text=Turn two-factor authentication on")
    page.wait_for_selector("[data-recovery-codes] li")
    assert len(page.locator("[data-recovery-codes] li").all_inner_texts()) == 10
    page.click("text=I have saved them")
    page.wait_for_url(lambda url: "/auth/two-factor" not in url)

    page.click("nav >> text=Log out")
    page.goto("/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/auth/login/code")
    page.fill("input[name=code]", totp.at(time.time() + 30))
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.text_content("#signed-in-as") == admin.email  # in the Account menu: logged in
    assert not [p for p in problems if "Content Security Policy" in p]
