"""Renewal reminders: e-mails to members before their dues fall due and once they are overdue.

The lead times are the society's data: ``dues_reminder_days`` (days before the due date, e.g.
"30,7") and ``dues_overdue_days`` (days after it, e.g. "14,60"). On each day the tightest lead
time an unpaid invoice has reached is reminded, once per invoice, kind, lead time and due date
(``dues_reminders_sent``, claimed before sending in the reminder's own transaction, as the
accreditation reminders do), so a late first run sends one e-mail, not every one it missed.
An invoice overdue for longer than ``CATCH_UP_DAYS`` past its last lead time is not reminded.

Mail is written in the member's language (else the society's). The reminder **before** the
due date is non-essential: it carries a signed unsubscribe link, and a member who used it
(``people.unsubscribed_on``) gets none (the reminder is recorded as done, not mailed). The
**overdue** notice is essential (the membership lapses if the dues stay unpaid) and is sent
regardless; so is the invoice itself, which the member downloads from their page.
The daily ``reminders`` job runs this after the accreditation reminders (``job_runs``).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...formatting import format_day, format_money
from ...models import DuesPayment, DuesReminderSent, Membership, Person, Society
from ..platform.mailer import Mail, outbox
from . import references

CATCH_UP_DAYS = 30
# Fixed paths (the job runs outside any request); the membership blueprint serves them.
PAGE_PATH = "/membership"
UNSUBSCRIBE_PATH = "/membership/unsubscribe/{token}"
MAX_ERROR_LINES = 20
UNSUBSCRIBE_SALT = "unsubscribe-non-essential-mail"


def lead_days(text: str | None) -> list[int]:
    """ "30, 7" -> [7, 30]; blanks and anything not a whole number of days are ignored."""
    return sorted({int(part) for part in (text or "").split(",") if part.strip().isdigit()})


@dataclass(frozen=True)
class DueRenewal:
    dues_id: int
    kind: str  # before_due | overdue
    lead_days: int
    due_on: date
    period: int
    amount: object
    currency: str
    reference: str | None
    person_id: int
    email: str | None
    given_name: str
    language: str
    unsubscribed: bool
    society_name: str

    @property
    def essential(self) -> bool:
        return self.kind == "overdue"


def _reached(kind: str, leads: list[int], due_on: date, day: date) -> int | None:
    """The lead time of ``kind`` reached on ``day`` (the tightest one), if any."""
    if kind == "before_due":
        days_left = (due_on - day).days
        reached = [lead for lead in leads if 0 <= days_left <= lead]
        return min(reached) if reached else None
    days_over = (day - due_on).days
    reached = [lead for lead in leads if lead <= days_over <= lead + CATCH_UP_DAYS] if leads else []
    return max(reached) if reached else None


def _language(person_language: str | None, society_language: str) -> str:
    languages = current_app.config["LANGUAGES"]
    return next((code for code in (person_language, society_language) if code in languages), "en")


def due_renewals(day: date, society_id: int | None = None) -> list[DueRenewal]:
    """Renewal reminders due on ``day`` and not sent yet, for unpaid dues of memberships in force."""
    societies = db.session.scalars(select(Society) if society_id is None
                                   else select(Society).where(Society.id == society_id)).all()
    due = []
    for society in societies:
        before, after = lead_days(society.dues_reminder_days), lead_days(society.dues_overdue_days)
        if not before and not after:
            continue
        earliest = day - timedelta(days=(max(after) if after else 0) + CATCH_UP_DAYS)
        latest = day + timedelta(days=max(before) if before else 0)
        rows = db.session.execute(
            select(DuesPayment, Person)
            .join(Membership, Membership.id == DuesPayment.membership_id)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.society_id == society.id, DuesPayment.paid_on.is_(None),
                   DuesPayment.due_on.between(earliest, latest),
                   (Membership.ended_on.is_(None)) | (Membership.ended_on > day))
            .order_by(DuesPayment.due_on, DuesPayment.id)).all()
        sent = set(db.session.execute(
            select(DuesReminderSent.dues_payment_id, DuesReminderSent.kind, DuesReminderSent.lead_days,
                   DuesReminderSent.due_on)
            .where(DuesReminderSent.dues_payment_id.in_([dues.id for dues, _person in rows]))).tuples()) if rows else set()
        for dues, person in rows:
            for kind, leads in (("before_due", before), ("overdue", after)):
                lead = _reached(kind, leads, dues.due_on, day)
                if lead is None or (dues.id, kind, lead, dues.due_on) in sent:
                    continue
                due.append(DueRenewal(
                    dues.id, kind, lead, dues.due_on, dues.period, dues.amount, dues.currency,
                    dues.payment_reference, person.id, person.email, person.given_name,
                    _language(person.language, society.default_language), person.unsubscribed_on is not None,
                    society.name))
    return due


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(person_id: int) -> str:
    return _serializer().dumps(person_id)


def person_for_token(token: str) -> Person | None:
    """The person an unsubscribe link was made for; None for a forged or mangled link."""
    try:
        person_id = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(Person, person_id) if isinstance(person_id, int) else None


def set_subscribed(person: Person, subscribed: bool, today: date) -> None:
    """Stop (or start again) the non-essential mail to ``person``; audited by the flush hook."""
    if subscribed:
        person.unsubscribed_on = None
    elif person.unsubscribed_on is None:
        person.unsubscribed_on = today
    db.session.flush()


def compose(due: DueRenewal) -> Mail:
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with force_locale(due.language):
        context = {
            "due": due, "date": format_day(due.due_on), "amount": format_money(due.amount, due.currency),
            "reference": references.grouped(due.reference) if due.reference else None,
            "page_url": base_url + PAGE_PATH,
            "unsubscribe_url": None if due.essential else
            base_url + UNSUBSCRIBE_PATH.format(token=unsubscribe_token(due.person_id)),
        }
        if due.essential:
            subject = _("Your membership dues for %(period)s are overdue", period=due.period)
        else:
            subject = _("Your membership dues for %(period)s fall due on %(date)s", period=due.period, date=context["date"])
        return Mail((due.email,), subject, render_template("mail/dues_reminder.txt", **context),
                    render_template("mail/dues_reminder.html", **context))


def send_due(day: date, *, society_id: int | None = None, job_run_id: int | None = None, progress=None) -> dict:
    """Send every renewal reminder due on ``day``, each at most once. Commits reminder by reminder."""
    due = due_renewals(day, society_id)
    counts = {"due": len(due), "sent": 0, "recorded_only": 0, "unsubscribed": 0, "skipped": 0, "failed": 0}
    errors = []
    with outbox() as box:
        for number, renewal in enumerate(due, start=1):
            _send_one(renewal, box, day, job_run_id, counts, errors)
            if progress:
                progress("renewal reminders", number, len(due))
    if errors:
        more = len(errors) - MAX_ERROR_LINES
        counts["errors"] = errors[:MAX_ERROR_LINES] + ([f"... and {more} more"] if more > 0 else [])
    return counts


def _send_one(due: DueRenewal, box, day: date, job_run_id: int | None, counts: dict, errors: list) -> None:
    withheld = due.unsubscribed and not due.essential
    record = DuesReminderSent(dues_payment_id=due.dues_id, kind=due.kind, lead_days=due.lead_days, due_on=due.due_on,
                              sent_on=day, job_run_id=job_run_id, mailed=False)
    db.session.add(record)
    try:
        db.session.flush()  # claims the reminder; a racing process waits here, then finds it taken
    except IntegrityError:
        db.session.rollback()
        counts["skipped"] += 1
        return
    try:
        if not withheld and due.email:
            record.mailed = box.send(compose(due))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - reported on the run; the next run retries
        db.session.rollback()
        counts["failed"] += 1
        errors.append(f"Renewal reminder for dues {due.dues_id} ({due.kind}, {due.lead_days} days): "
                      f"{type(error).__name__}: {error}")
        return
    outcome = "unsubscribed" if withheld else ("sent" if record.mailed else "recorded_only")
    counts[outcome] += 1
