"""An administrator's day with members, in a real browser: add a member, record dues,
import a CSV (one bad row first, then the corrected file) and read a member's history."""
import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import Person

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]

HEADER = "given_name,family_name,email,phone,profession,category,joined_on\n"
BAD = HEADER + ("Karin,Lindqvist,karin@example.se,,gp,full,2021-03-01\n"
                "Erik,Holm,erik-at-example,,resident,trainee,2024-09-15\n")
GOOD = BAD.replace("erik-at-example", "erik@example.se")


def upload(page, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.goto("/admin/imports/")
    page.select_option("select[name=kind]", "members")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#import-verdict")


def test_admin_adds_a_member_records_dues_imports_a_file_and_reads_history(page, live_server, admin, tmp_path):
    db.session.commit()
    # One row per chunk, so the progress page's script has to step through the file.
    live_server.server.app.config["IMPORT_CHUNK_ROWS"] = 1
    try:
        _day_with_members(page, admin, tmp_path)
    finally:
        live_server.server.app.config["IMPORT_CHUNK_ROWS"] = 500


def _day_with_members(page, admin, tmp_path):
    factories.browser_log_in(page, admin.email)

    # Add a member.
    page.click("nav >> text='Members'")
    page.click("text=New member")
    page.fill("input[name=given_name]", "Astrid")
    page.fill("input[name=family_name]", "Nyström")
    page.fill("input[name=email]", "astrid@example.se")
    page.select_option("select[name=profession]", "psychologist")
    page.fill("input[name=joined_on]", "2023-04-01")
    page.click("#member-form button[type=submit]")
    page.wait_for_selector("#member-status")
    assert "Astrid Nyström" in page.inner_text("h1")

    # Record dues.
    page.fill("#payment-form input[name=period]", "2026")
    page.fill("#payment-form input[name=amount]", "450")
    page.fill("#payment-form input[name=paid_on]", "2026-02-01")
    page.fill("#payment-form input[name=reference]", "Swish 42")
    page.click("#payment-form button[type=submit]")
    page.wait_for_selector("#dues tr[data-period='2026']")
    assert "Swish 42" in page.inner_text("#dues")

    # Import a file with one bad row: the preview names it and nothing is imported.
    upload(page, tmp_path, "bad.csv", BAD)
    assert "Nothing was imported" in page.inner_text("#import-verdict")
    errors = page.inner_text("#row-errors")
    assert "3" in errors and "email" in errors and "Not a valid email address." in errors
    assert page.locator("text=Import all").count() == 0

    # The corrected file imports.
    upload(page, tmp_path, "good.csv", GOOD)
    assert "All 2 rows are valid" in page.inner_text("#import-verdict")
    page.click("text=Import all 2 rows")
    page.wait_for_selector("text=2 rows imported")
    db.session.rollback()  # another connection wrote
    assert {p.email for p in db.session.scalars(select(Person))} == {"astrid@example.se", "karin@example.se", "erik@example.se"}

    # Read a member's history: the edit shows old -> new.
    page.goto("/admin/members/?q=astrid")
    page.click("text=Nyström, Astrid")
    page.click("text='Edit'")
    page.fill("input[name=family_name]", "Nyström-Berg")
    page.click("#member-form button[type=submit]")
    page.wait_for_selector("#member-status")
    history = page.inner_text(".audit-history")
    assert "Nyström → Nyström-Berg" in history
    assert "Dues added" in history and admin.email in history  # record types and fields in words
