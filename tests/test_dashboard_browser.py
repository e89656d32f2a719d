"""The dashboard in a real browser: the lapsed members' note is a link of its own, above the card's link."""
from datetime import date

import pytest

from society.extensions import db

from . import factories
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]


def test_the_lapsed_count_leads_to_the_lapsed_members_and_the_card_to_the_overdue_ones(page, admin, society):
    society.dues_grace_days = 30
    late = factories.membership(factories.person(given_name="Ola", family_name="Overdue"), society)
    factories.dues(late, date.today().year, due_on=date(date.today().year, 1, 1))  # overdue, not lapsed
    lapsed = factories.membership(factories.person(given_name="Lisa", family_name="Lapsed"), society)
    factories.dues(lapsed, date.today().year - 2, due_on=date(date.today().year - 2, 1, 31))
    db.session.commit()
    factories.browser_log_in(page, admin.email)
    page.goto("/admin/")
    note = page.locator('[data-attention="dues_lapsed"] a')
    assert page.locator('[data-attention="dues_lapsed"]').get_attribute("data-count") == "1"
    note.click()
    page.wait_for_url("**/admin/members/?status=lapsed")
    assert "Lisa" in page.content() and "Ola" not in page.content()
