"""Self-service password reset: a one-time, expiring link by e-mail.

Known and unknown addresses get the same answer and the same work: a token is made and
hashed, one audit event is written and one e-mail goes to the address typed (the link, or
a note that no usable login has that address), so neither the page nor its timing tells
whether an account exists. Requests per address are capped per hour (RESET_MAX_PER_HOUR);
past the cap nothing is sent, whoever asks, and the answer is still the same.
"""
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import get_locale, gettext
from sqlalchemy import func

from ...extensions import db
from ...models import AuditEvent, User
from ...models._base import utcnow
from . import account_links, audit
from .logins import MailNotSent, send
from .mailer import Mail

ACTION = "password_reset_requested"


def request_reset(email: str, ip: str | None = None) -> Mail | None:
    """Record the request and return the e-mail to send after the commit (None past the hourly cap)."""
    email = email.strip().lower()
    token = account_links.new_token()  # made whoever asks: the same work for every address
    user = db.session.scalar(db.select(User).where(User.email == email))
    usable = user is not None and user.is_enabled
    over_cap = _requests_last_hour(email) >= current_app.config["RESET_MAX_PER_HOUR"]
    audit.record(ACTION, entity_type="User", entity_id=user.id if usable else None,
                 society_id=user.society_id if usable else None, actor=audit.Actor(None, email, ip),
                 details={"sent": not over_cap})
    if over_cap:
        return None
    if usable:
        account_links.issue(user, "reset", token)
        return _mail(email, "mail/password_reset", link=account_links.url_for_token("reset", token),
                     hours=current_app.config["RESET_HOURS"])
    account_links.digest(token)  # the hashing a stored link costs
    return _mail(email, "mail/password_reset_unknown", link=current_app.config["PUBLIC_BASE_URL"])


def deliver(mail: Mail | None) -> None:
    """Send the reset e-mail; a failure is logged, never shown (the answer must not differ)."""
    if mail is None:
        return
    try:
        send(mail)
    except MailNotSent:
        pass  # logged by send()


def _mail(email: str, template: str, **context) -> Mail:
    # In the language of the page the request came from: the person chose it there.
    context.update(email=email, language=str(get_locale() or "en"))
    return Mail((email,), gettext("Resetting your password for the registry"),
                render_template(template + ".txt", **context), render_template(template + ".html", **context))


def _requests_last_hour(email: str) -> int:
    since = utcnow() - timedelta(hours=1)
    return db.session.scalar(
        db.select(func.count(AuditEvent.id))
        .where(AuditEvent.action == ACTION, AuditEvent.actor_label == email, AuditEvent.occurred_at >= since)
    ) or 0
