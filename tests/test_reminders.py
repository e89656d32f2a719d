"""Reminders before an accreditation expires: at each lead time, once, to the leader and the
society's administrators, in plain text and HTML, read back from a real SMTP server."""
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from society.database import writing
from society.extensions import db
from society.models import JobRun, ReminderSent
from society.services.platform import job_runs
from society.services.flags import reminders

from . import factories
from .mailbox import free_port, mail_on, smtp_server  # noqa: F401 - fixtures

DAY = date(2026, 6, 1)


@pytest.fixture
def expiring(society):
    """A leader whose five-year accreditation expires 85 days after DAY; two administrators."""
    society.name = "Svenska Balintsällskapet"
    version = factories.rule_set_version(factories.rule_set(society, credential_title="Godkänd Balintgruppledare"),
                                         validity_months=60, warning_days="90,60,30",
                                         pace_supervision_per_year=Decimal(8))
    person = factories.person(given_name="Karin", family_name="Berg", email="karin@example.se", language="en")
    acc = factories.accreditation(person, version, status="granted", granted_on=date(2021, 8, 25),
                                  expires_on=DAY + timedelta(days=85))
    factories.user(role="admin", society=society, email="board@example.se")
    factories.user(role="admin", society=society, email="secretary@example.se")
    factories.user(role="admin", society=factories.society(), email="other-society@example.org")
    db.session.commit()
    return acc


def send(day=DAY):
    with writing():
        counts = reminders.send_due(day)
    db.session.commit()
    return counts


def test_a_reminder_goes_to_the_leader_and_the_administrators_in_text_and_html(mail_on, expiring):
    counts = send()
    assert (counts["due"], counts["sent"], counts["emails"]) == (1, 1, 2)
    to_leader, to_admins = sorted(mail_on.messages, key=lambda m: m["To"] != "karin@example.se")
    assert to_leader["To"] == "karin@example.se"
    assert "Godkänd Balintgruppledare" in to_leader["Subject"]
    text = to_leader.get_body(("plain",)).get_content()
    html = to_leader.get_body(("html",)).get_content()
    assert "Dear Karin," in text and "85 days" in text and "Svenska Balintsällskapet" in text
    assert "<p>Dear Karin,</p>" in html
    assert to_admins["To"] == "board@example.se, secretary@example.se"
    # The leader reads English (her language), the administrators the society's language (Swedish).
    assert "Karin Berg" in to_admins["Subject"] and "påminnelsen 90 dagar före" in to_admins.get_body(("plain",)).get_content()
    assert "other-society@example.org" not in mail_on.recipients()


def test_each_lead_time_is_reminded_once(mail_on, expiring):
    send()
    assert send(DAY + timedelta(days=1))["due"] == 0  # still within 90 days: already reminded
    assert len(mail_on.messages) == 2
    send(DAY + timedelta(days=30))  # 55 days left: the 60-day reminder
    send(DAY + timedelta(days=31))
    send(DAY + timedelta(days=60))  # 25 days left: the 30-day reminder
    assert len(mail_on.messages) == 6
    leads = db.session.scalars(select(ReminderSent.lead_days).order_by(ReminderSent.id)).all()
    assert leads == [90, 60, 30]


def test_a_late_first_run_sends_only_the_tightest_reminder(mail_on, expiring):
    send(DAY + timedelta(days=70))  # 15 days left
    assert db.session.scalars(select(ReminderSent.lead_days)).all() == [30]
    assert send(DAY + timedelta(days=71))["due"] == 0


def test_a_renewal_starts_a_new_cycle_of_reminders(mail_on, expiring):
    send()
    expiring.expires_on = expiring.expires_on + timedelta(days=5 * 365)
    db.session.commit()
    assert send(expiring.expires_on - timedelta(days=80))["sent"] == 1
    assert len(mail_on.messages) == 4


def test_with_mail_disabled_reminders_are_recorded_but_not_sent(app, smtp_server, expiring, monkeypatch):
    mailbox, port = smtp_server
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    counts = send()
    assert (counts["sent"], counts["recorded_only"]) == (0, 1)
    (record,) = db.session.scalars(select(ReminderSent)).all()
    assert record.mailed is False and record.lead_days == 90
    assert mailbox.messages == []


def test_a_failed_send_is_not_recorded_and_the_next_run_delivers(app, smtp_server, mail_on, expiring, monkeypatch):
    mailbox, port = smtp_server
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    failed = job_runs.run("reminders", DAY, trigger="cli")
    assert failed.outcome == "failed" and f"accreditation {expiring.id}" in failed.error
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 0
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    run = job_runs.run("reminders", DAY, trigger="cli")
    assert run.outcome == "succeeded" and len(mailbox.messages) == 2
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 1


def test_reminders_racing_in_several_threads_are_sent_once(app, mail_on, expiring):
    """Four workers send the same due reminders at once: each reminder goes out once."""
    more = []
    for n in range(5):
        person = factories.person(email=f"leader{n}@example.se")
        more.append(factories.accreditation(person, expiring.rule_set_version, status="granted",
                                            granted_on=date(2021, 9, 1), expires_on=DAY + timedelta(days=20 + n)))
    db.session.commit()
    errors = []

    def work():
        try:
            with app.app_context(), writing():
                reminders.send_due(DAY)
        except Exception as error:  # noqa: BLE001 - the test reports every failure
            errors.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()
    assert errors == []
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 6
    assert len(mail_on.messages) == 12  # six reminders, to the leader and to the administrators


def test_the_reminders_command_prints_a_summary(mail_on, expiring, runner):
    import json

    result = runner.invoke(args=["jobs", "run", "reminders", "--today", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[-1])
    assert (summary["due"], summary["sent"], summary["emails"]) == (1, 1, 2)
    assert db.session.scalar(select(JobRun.outcome)) == "succeeded"
