"""A person who wants to join finds a group by city and profession on the public finder, in English and
in Swedish, without logging in, and writes to the leaders; the message arrives at a real SMTP server,
addressed to the leaders, whose addresses the page never showed."""
import pytest
from playwright.sync_api import expect

from society.extensions import db

from . import factories
from .conftest import BROWSER_TIMEOUT_MS, browser_journey
from .mailbox import free_port, smtp_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, browser_journey]


@pytest.fixture
def live_mail(live_server, smtp_server, monkeypatch):
    mailbox, port = smtp_server
    config = live_server.server.app.config
    for key, value in {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                       "MAIL_USERNAME": None, "MAIL_SENDER": "registry@example.org",
                       "FINDER_CONTACT_MIN_SECONDS": 0}.items():
        monkeypatch.setitem(config, key, value)
    return mailbox


@pytest.fixture
def groups(society):
    leader = factories.person(given_name="Greta", family_name="Lund", email="greta@example.se")
    gp_group = factories.group(society, name="Umeå GPs", city="Umeå", audiences=["gp"], accepting_members=True,
                               open_places=2, address="Hälsocentralen Ersboda")
    factories.group_leader(gp_group, leader)
    nurses = factories.group(society, name="Umeå nurses", city="Umeå", audiences=["nurse"], accepting_members=True)
    factories.group_leader(nurses, factories.person(email="nina@example.se"))
    lund = factories.group(society, name="Lund GPs", city="Lund", audiences=["gp"])
    factories.group_leader(lund, factories.person(email="lars@example.se"))
    db.session.commit()
    return gp_group


def find_and_write(page, *, language: str, search: str, open_text: str, send: str, sent: str):
    page.goto(f"/find?lang={language}" if language == "sv" else "/find")
    page.select_option("#f-city", "Umeå")
    page.select_option("#f-profession", "gp")
    page.click(f"#finder-search button[type=submit]:has-text('{search}')")
    results = page.locator(".finder-results h2 a")
    # Without JavaScript the search is a navigation: wait for the results page, however busy the machine.
    expect(results).to_have_text(["Umeå GPs"])
    results.first.click()
    assert open_text in page.inner_text(".join-details")
    assert "greta@example.se" not in page.content()
    page.fill("#f-name", "Ada Applicant")
    page.fill("#f-email", "ada@example.org")
    page.fill("#f-message", f"I would like to join ({language}).")
    page.click(f"#contact-form button[type=submit]:has-text('{send}')")
    assert sent in page.inner_text(".alert-success")


def test_a_person_finds_a_group_and_writes_to_its_leaders_in_english(page, groups, live_mail):
    find_and_write(page, language="en", search="Search", open_text="2 open places", send="Send to the leaders",
                   sent="Your message has been sent to the leaders")
    assert live_mail.recipients() == ["greta@example.se"]
    message = live_mail.messages[0]
    assert message["Reply-To"] == "ada@example.org"
    assert "I would like to join (en)." in message.get_body(preferencelist=("plain",)).get_content()


def test_a_person_finds_a_group_and_writes_to_its_leaders_in_swedish(browser, live_server, groups, live_mail):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        find_and_write(page, language="sv", search="Sök", open_text="2 lediga platser", send="Skicka till ledarna",
                       sent="Ditt meddelande har skickats till ledarna")
    finally:
        context.close()
    assert live_mail.recipients() == ["greta@example.se"]
    assert "I would like to join (sv)." in live_mail.messages[0].get_body(preferencelist=("plain",)).get_content()


def test_the_finder_works_without_javascript(browser, live_server, groups, live_mail):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        find_and_write(page, language="en", search="Search", open_text="2 open places", send="Send to the leaders",
                       sent="Your message has been sent to the leaders")
    finally:
        context.close()
    assert live_mail.recipients() == ["greta@example.se"]
