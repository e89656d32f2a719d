"""Renewal reminders: before dues fall due and when overdue, at the society's lead times, once
each, in the member's language, through the daily reminders job; the unsubscribe link stops the
non-essential ones only. Read back from a real SMTP server."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from society.database import writing
from society.extensions import db
from society.models import DuesReminderSent, Person
from society.services.membership import members, renewal_reminders
from society.services.platform import job_runs

from . import factories
from .mailbox import mail_on, smtp_server  # noqa: F401 - fixtures

DUE = date(2026, 3, 31)


@pytest.fixture
def owing(society):
    """A Swedish-speaking member with 2026 dues unpaid, due on DUE; reminders 30 and 7 days before, 14 after."""
    society.name, society.payment_reference_scheme = "Svenska Balintsällskapet", "ocr"
    society.dues_reminder_days, society.dues_overdue_days = "30, 7", "14"
    membership = factories.member(society, given_name="Sven", email="sven@example.se", language="sv")
    english = factories.member(society, given_name="Emma", email="emma@example.org", language="en")
    factories.dues(english, 2026, paid_on=date(2026, 1, 2))  # paid: never reminded
    members.raise_period_dues(society.id, 2026, Decimal("450"), "SEK", DUE, date(2026, 1, 1))
    db.session.commit()
    return membership


def send(day):
    with writing():
        counts = renewal_reminders.send_due(day)
    db.session.commit()
    return counts


def test_a_reminder_before_the_due_date_is_in_the_members_language_with_an_unsubscribe_link(mail_on, owing):
    counts = send(DUE - timedelta(days=30))
    assert (counts["due"], counts["sent"]) == (1, 1)
    (mail,) = mail_on.messages
    assert mail["To"] == "sven@example.se"
    text = mail.get_body(("plain",)).get_content()
    assert "Hej Sven" in text or "Sven" in mail.get_body(("plain",)).get_content()
    assert "förfaller" in mail["Subject"]
    assert owing.dues[0].payment_reference[:4] in text.replace(" ", "")
    assert re.search(r"/membership/unsubscribe/\S+", text)


def test_each_lead_time_is_reminded_once_and_a_late_run_sends_only_the_tightest(mail_on, owing):
    send(DUE - timedelta(days=30))
    send(DUE - timedelta(days=29))  # nothing new
    assert len(mail_on.messages) == 1
    send(DUE - timedelta(days=3))  # the 7-day reminder, late: sent once
    send(DUE - timedelta(days=2))
    assert len(mail_on.messages) == 2
    assert db.session.scalar(select(func.count()).select_from(DuesReminderSent)) == 2


def test_paid_dues_are_not_reminded(mail_on, owing):
    members.record_payment(owing, 2026, Decimal("450"), DUE - timedelta(days=40), None)
    db.session.commit()
    assert send(DUE - timedelta(days=30))["due"] == 0
    assert send(DUE + timedelta(days=14))["due"] == 0


def test_an_unsubscribed_member_gets_no_reminder_before_the_due_date_but_the_overdue_notice(mail_on, owing):
    renewal_reminders.set_subscribed(owing.person, False, date(2026, 2, 1))
    db.session.commit()
    counts = send(DUE - timedelta(days=30))
    assert (counts["unsubscribed"], counts["sent"]) == (1, 0) and not mail_on.messages
    counts = send(DUE + timedelta(days=14))
    assert counts["sent"] == 1
    (notice,) = mail_on.messages
    assert "är förfallen" in notice["Subject"]
    assert "/membership/unsubscribe/" not in notice.get_body(("plain",)).get_content()


def test_the_unsubscribe_link_asks_first_then_stops_the_reminders(client, owing):
    token = renewal_reminders.unsubscribe_token(owing.person_id)
    page = client.get(f"/membership/unsubscribe/{token}")
    assert page.status_code == 200
    assert db.session.get(Person, owing.person_id).unsubscribed_on is None  # a GET changes nothing
    done = client.post(f"/membership/unsubscribe/{token}")
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(Person, owing.person_id).unsubscribed_on is not None


def test_a_forged_unsubscribe_link_is_refused(client, owing):
    token = renewal_reminders.unsubscribe_token(owing.person_id)
    assert client.post(f"/membership/unsubscribe/{token[:-2]}xx").status_code == 404
    assert client.get("/membership/unsubscribe/" + str(owing.person_id)).status_code == 404


def test_the_daily_reminders_job_sends_the_renewal_reminders_once(mail_on, owing):
    day = DUE - timedelta(days=7)
    first = job_runs.run("reminders", day, trigger="schedule", run_key=day.isoformat())
    again = job_runs.run("reminders", day, trigger="manual")
    assert len(mail_on.messages) == 1
    assert first is not None and again is not None
