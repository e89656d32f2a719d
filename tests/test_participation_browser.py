"""In a real browser, on the demo data: the demo participant logs in, sees their hours, downloads
the year's attendance certificate, and its number verifies publicly."""
import re
import subprocess
from datetime import date

import pytest

from society.extensions import db
from society.services.platform import demo

from . import demo_data, factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, pytest.mark.slow, browser_journey]


def test_the_demo_member_downloads_an_attendance_certificate_that_verifies(page, tmp_path):
    demo_data.seed(40, today=date.today())
    db.session.commit()
    email, password = demo.DEMO_LOGINS["member"]

    factories.browser_log_in(page, email, password)
    page.get_by_role("link", name="My attendance").click()
    page.wait_for_url("**/portal/attendance")
    row = page.locator("#years tbody tr").first
    assert float(row.locator(".hours").inner_text().replace(",", ".")) > 0
    assert page.locator("#sessions tbody tr").count() > 0

    with page.expect_download() as download_info:
        row.get_by_role("button", name="Attendance certificate (PDF)").click()
    target = tmp_path / "attendance.pdf"
    download_info.value.save_as(target)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, check=True, text=True).stdout
    number = re.search(r"SBS-\d{4}-[0-9A-Z]{6}", text).group(0)

    visitor = page.context.browser.new_context(base_url=page.url.split("/portal")[0])
    public = visitor.new_page()
    public.goto("/verify")
    public.fill("input[name=number]", number)
    public.click("button[type=submit]")
    public.wait_for_url(f"**/verify/{number}")
    assert public.locator("#status [data-status]").get_attribute("data-status") == "valid"
    holder = public.locator("#holder").inner_text()
    assert holder and holder in text
    assert public.request.get(f"/api/v1/certificates/{number}").json()["status"] == "valid"
    visitor.close()
