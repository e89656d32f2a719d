"""An administrator invites a member from the record in a real browser; the e-mail arrives at a
real SMTP server; the person chooses a password through the link and logs in; a weak password
is refused with its reason beside the field."""
import re

import pytest
from playwright.sync_api import expect

from society.extensions import db
from society.models import User

from . import factories
from .mailbox import free_port, smtp_server  # noqa: F401 - fixtures
from .conftest import browser_journey

pytestmark = [pytest.mark.browser, browser_journey]


@pytest.fixture
def live_mail(live_server, smtp_server, monkeypatch):
    mailbox, port = smtp_server
    config = live_server.server.app.config
    for key, value in {"MAIL_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                       "MAIL_USERNAME": None, "MAIL_SENDER": "registry@example.org"}.items():
        monkeypatch.setitem(config, key, value)
    return mailbox


def test_admin_invites_from_the_record_and_the_person_logs_in(page, browser, live_server, admin, society, live_mail):
    person = factories.member_person(society, given_name="Ebba", family_name="Inbjuden", email="ebba@example.se")
    db.session.commit()
    factories.browser_log_in(page, admin.email)
    page.goto(f"/admin/members/{person.id}")
    page.select_option("#invite-form select[name=role]", "leader")
    page.click("#invite-button")
    # The record page shows a login state before the invitation too: wait for the new one.
    expect(page.locator("#login-state")).to_contain_text("Invited, no password yet")
    assert "Invitation sent to ebba@example.se" in page.content()

    text = live_mail.messages[0].get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"https?://\S+(/auth/invitation/\S+)", text).group(1)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    visitor = context.new_page()
    try:
        visitor.goto(path)
        visitor.fill("input[name=password]", "password1")
        visitor.fill("input[name=password_confirm]", "password1")
        visitor.click("#set-password-form button[type=submit]")
        assert "most common" in visitor.inner_text("#f-password ~ .invalid-feedback")
        visitor.fill("input[name=password]", "a quiet evening by the lake")
        visitor.fill("input[name=password_confirm]", "a quiet evening by the lake")
        visitor.click("#set-password-form button[type=submit]")
        visitor.wait_for_url("**/auth/login")
        factories.browser_log_in(visitor, "ebba@example.se", "a quiet evening by the lake")
        db.session.commit()  # a fresh transaction sees what the server wrote
        assert db.session.scalar(db.select(User.role).where(User.email == "ebba@example.se")) == "leader"
    finally:
        context.close()
