"""Reminders before an accreditation expires: one e-mail at each lead time of its rule-set
version (``warning_days``, 90/60/30 by default), to the leader and the society's administrators.

Sent once per lead time per accreditation (and expiry date, so a renewal starts a new
cycle). Each reminder is its own transaction: its ``reminders_sent`` row is inserted
first, the e-mails are sent, then it commits. A second process racing for the same
reminder waits on the unique key and then skips it; a failed send rolls the row back, so
the next run tries again. With MAIL_ENABLED off the reminder is recorded, not sent.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, format_date, gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...formatting import translated
from ...models import Accreditation, Person, ReminderSent, RuleSet, RuleSetVersion, Society, User
from .lapse import load_rules
from ..platform.mailer import Mail, outbox
from ..accreditation.standing import valid_on

MAX_ERROR_LINES = 20


@dataclass(frozen=True)
class DueReminder:
    accreditation_id: int
    lead_days: int
    expires_on: date
    days_left: int
    society_id: int
    society_name: str
    society_language: str
    credential_title: str
    email: str | None
    given_name: str
    family_name: str
    language: str | None
    credential_translations: dict | None = None  # the rule set's translations ({"sv": {"credential_title": ...}})

    @property
    def leader_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def due_reminders(day: date, society_id: int | None = None) -> list[DueReminder]:
    """Reminders due on ``day`` and not sent yet: the tightest lead time each valid accreditation has reached."""
    rules = load_rules()
    query = (
        select(Accreditation.id, Accreditation.expires_on, Accreditation.rule_set_version_id, RuleSet.society_id,
               RuleSet.credential_title, RuleSet.translations, Society.name.label("society_name"), Society.default_language,
               Person.email, Person.given_name, Person.family_name, Person.language)
        .join(Person, Person.id == Accreditation.person_id)
        .join(RuleSetVersion, RuleSetVersion.id == Accreditation.rule_set_version_id)
        .join(RuleSet).join(Society, Society.id == RuleSet.society_id)
        .where(valid_on(day), Accreditation.expires_on.is_not(None),
               Accreditation.expires_on <= day + timedelta(days=rules.largest_lead))
        .order_by(Accreditation.expires_on, Accreditation.id)
    )
    if society_id is not None:
        query = query.where(RuleSet.society_id == society_id)
    sent = set(db.session.execute(
        select(ReminderSent.accreditation_id, ReminderSent.lead_days, ReminderSent.expires_on)
        .where(ReminderSent.expires_on >= day)).tuples())
    due = []
    for row in db.session.execute(query):
        days_left = (row.expires_on - day).days
        reached = [lead for lead in rules.leads.get(row.rule_set_version_id, []) if days_left <= lead]
        if not reached or (row.id, min(reached), row.expires_on) in sent:
            continue
        due.append(DueReminder(row.id, min(reached), row.expires_on, days_left, row.society_id, row.society_name,
                               row.default_language, row.credential_title, row.email, row.given_name,
                               row.family_name, row.language, row.translations))
    return due


def administrators_by_society() -> dict[int, list[str]]:
    admins = defaultdict(list)
    for society_id, email in db.session.execute(
            select(User.society_id, User.email).where(User.role == "admin", User.is_enabled.is_(True))
            .order_by(User.email)):
        admins[society_id].append(email)
    return admins


def compose(due: DueReminder, admin_emails: list[str]) -> list[Mail]:
    """The leader's e-mail (in their language) and one to the administrators (in the society's)."""
    context = {"due": due, "base_url": current_app.config["PUBLIC_BASE_URL"]}
    credential = {"credential_title": due.credential_title, "translations": due.credential_translations}
    mails = []
    if due.email:
        with force_locale(due.language or due.society_language):
            context["expires"] = format_date(due.expires_on, "long")
            context["title"] = translated(credential, "credential_title")
            mails.append(Mail(
                (due.email,),
                _("Your accreditation as %(title)s expires on %(date)s", title=context["title"], date=context["expires"]),
                render_template("mail/reminder_leader.txt", **context),
                render_template("mail/reminder_leader.html", **context)))
    if admin_emails:
        with force_locale(due.society_language):
            context["expires"] = format_date(due.expires_on, "long")
            context["title"] = translated(credential, "credential_title")
            mails.append(Mail(
                tuple(admin_emails),
                _("%(name)s's accreditation expires on %(date)s", name=due.leader_name, date=context["expires"]),
                render_template("mail/reminder_admin.txt", **context),
                render_template("mail/reminder_admin.html", **context)))
    return mails


def send_due(day: date, *, society_id: int | None = None, job_run_id: int | None = None, progress=None) -> dict:
    """Send every reminder due on ``day``, each at most once. Commits reminder by reminder."""
    due = due_reminders(day, society_id)
    admins = administrators_by_society()
    counts = {"due": len(due), "sent": 0, "recorded_only": 0, "emails": 0, "skipped": 0, "failed": 0}
    by_society = defaultdict(lambda: {"sent": 0, "recorded_only": 0, "failed": 0})
    errors = []
    with outbox() as box:
        for number, reminder in enumerate(due, start=1):
            outcome = _send_one(reminder, admins.get(reminder.society_id, []), box, day, job_run_id, counts, errors)
            if outcome in by_society[str(reminder.society_id)]:
                by_society[str(reminder.society_id)][outcome] += 1
            if progress:
                progress("reminders", number, len(due))
    counts["by_society"] = dict(by_society)
    if errors:
        more = len(errors) - MAX_ERROR_LINES
        counts["errors"] = errors[:MAX_ERROR_LINES] + ([f"... and {more} more"] if more > 0 else [])
    return counts


def _send_one(reminder: DueReminder, admin_emails, box, day, job_run_id, counts, errors) -> str:
    record = ReminderSent(accreditation_id=reminder.accreditation_id, lead_days=reminder.lead_days,
                          expires_on=reminder.expires_on, sent_on=day, job_run_id=job_run_id,
                          mailed=box.enabled, recipients=0)
    db.session.add(record)
    try:
        db.session.flush()  # claims the reminder; a racing process waits here, then finds it taken
    except IntegrityError:
        db.session.rollback()
        counts["skipped"] += 1
        return "skipped"
    try:
        mails = compose(reminder, admin_emails)
        sent = [mail for mail in mails if box.send(mail)]
        record.recipients = sum(len(mail.to) for mail in sent)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - reported on the run; the next run retries
        db.session.rollback()
        counts["failed"] += 1
        errors.append(f"Reminder for accreditation {reminder.accreditation_id} ({reminder.lead_days} days): "
                      f"{type(error).__name__}: {error}")
        return "failed"
    counts["emails"] += len(sent)
    outcome = "sent" if box.enabled else "recorded_only"
    counts[outcome] += 1
    return outcome
