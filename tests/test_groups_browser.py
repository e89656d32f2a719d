"""In a real browser: an administrator sets up a group with two leaders, logs a session and sees the result."""
import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import Group, TrainingRecord

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]


def add_person(page, link_text: str, search: str, role: str | None = None) -> None:
    page.click(f"text={link_text}")
    page.fill("input[name=q]", search)
    page.click("button:has-text('Find')")
    page.check("input[name=person_id]")
    page.fill("input[name=starts_on]", "2024-01-01")
    if role:
        page.select_option("select[name=role]", role)
    page.click("button:has-text('Add')")
    page.wait_for_load_state()


def test_admin_creates_a_group_with_two_leaders_and_logs_a_session(page, society, admin):
    factories.group_leader_accreditation(factories.member_person(society, given_name="Astrid", family_name="Ledare"), society)
    factories.member_person(society, given_name="Björn", family_name="Medledare")
    factories.member_person(society, given_name="Cecilia", family_name="Deltagare")
    factories.member_person(society, given_name="David", family_name="Deltagare")
    email = admin.email
    db.session.commit()  # and no transaction of the test stays open while the browser works

    factories.browser_log_in(page, email)
    assert page.locator("h2", has_text="Needs attention").is_visible()
    page.click("nav >> text=Groups")
    page.click("text=New group")
    page.fill("input[name=name]", "Balintgruppen i Visby")
    page.fill("input[name=city]", "Visby")
    page.select_option("select[name=status]", "active")
    page.select_option("select[name=audiences]", ["gp", "psychologist"])
    page.fill("input[name=starts_on]", "2024-01-01")
    page.fill("input[name=session_minutes]", "90")
    page.click("button:has-text('Create group')")
    page.wait_for_load_state()
    assert page.locator("h1", has_text="Balintgruppen i Visby").is_visible()
    assert page.locator("[data-norm=too_few_leaders]").first.is_visible()

    add_person(page, "Add a leader", "Ledare")
    add_person(page, "Add a leader", "Medledare", role="co_leader")
    add_person(page, "Add a participant", "Cecilia")
    add_person(page, "Add a participant", "David")
    leaders = page.locator("section[aria-labelledby=leaders-title] tbody tr")
    assert leaders.count() == 2
    assert "Accredited" in leaders.nth(0).inner_text() and "Not accredited" in leaders.nth(1).inner_text()

    page.click("text=Record a session")
    for name in ("Astrid Ledare", "Björn Medledare", "Cecilia Deltagare"):
        page.check(f"label:has-text('{name}')")
    page.click("button:has-text('Save the session')")
    page.wait_for_load_state()
    assert "3 attended, 3 training records" in page.locator(".alert-success").inner_text()
    row = page.locator("#sessions tbody tr").first
    assert row.locator("[data-records]").inner_text() == "3"
    history = page.locator("#history").inner_text()
    assert "Session added" in history and "Leader added" in history and "Group added" in history

    db.session.rollback()  # the live server wrote through another connection
    group = db.session.scalar(select(Group).where(Group.name == "Balintgruppen i Visby"))
    kinds = sorted(db.session.scalars(select(TrainingRecord.kind).where(TrainingRecord.group_id == group.id)))
    assert kinds == ["co_leading", "leading", "participation"]
    assert group.audience_list == ["gp", "psychologist"]
