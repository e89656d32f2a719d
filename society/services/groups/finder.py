"""The public group finder: search the directory as a person who wants to join, and write to the leaders.

The search is the directory's (``directory.find_groups``) with the finder's words for its filters.
A message to the leaders is relayed by e-mail to the leaders serving today: the sender never sees
their addresses, the leaders answer through Reply-To. Spam defence without a CAPTCHA: the form
carries a signed time token (refused when sent within ``FINDER_CONTACT_MIN_SECONDS`` of opening
the form or more than ``FINDER_CONTACT_MAX_AGE_SECONDS`` later) and a honeypot field people leave
empty; the view adds a per-address rate limit.
"""
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Group, GroupLeader, Person, Society
from ..errors import InvalidInput, NotFound
from ..platform.mailer import Mail
from . import calendar, directory
from .standing import leader_serving_on

LISTED_STATUSES = ["active", "forming"]
PAGE_SIZE = 20
_TOKEN_SALT = "finder-contact"


def search(filters: dict, day: date, page: int, society_code: str | None = None) -> tuple[list[dict], int]:
    """One page of listed groups matching the finder's filters (FinderQuerySchema), and the total."""
    query = {"status": LISTED_STATUSES}
    for name, key in (("city", "city"), ("profession", "audience"), ("language", "language"), ("format", "format")):
        if filters.get(name):
            query[key] = filters[name]
    if filters.get("open"):
        query["open_places"] = True
    if society_code:
        query["society"] = society_code
    return directory.find_groups(query, day, page, PAGE_SIZE)


def choices(society_code: str | None = None) -> dict:
    """The cities and languages of listed groups, for the search form's selects."""
    statement = select(Group.city, Group.language).where(Group.status.in_(LISTED_STATUSES))
    if society_code:
        statement = statement.join(Society, Society.id == Group.society_id).where(Society.code == society_code)
    rows = db.session.execute(statement.distinct()).all()
    return {"cities": sorted({row.city for row in rows if row.city}, key=str.casefold),
            "languages": sorted({row.language for row in rows})}


@dataclass
class PublicGroup:
    facts: dict  # as the directory describes it
    upcoming: list  # calendar.Occurrence


def public_group(group_id: int, day: date, now: datetime) -> PublicGroup:
    """A listed group as the finder shows it, with its next sessions; NotFound for a closed or unknown one."""
    facts = directory.get_group(group_id, day)
    if facts is None or facts["status"] not in LISTED_STATUSES:
        raise NotFound(_("No such group."))
    group = db.session.scalar(select(Group).where(Group.id == group_id).options(selectinload(Group.exceptions)))
    return PublicGroup(facts, calendar.upcoming(group, now))


# -- the contact form's time token -------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def time_token(group_id: int, now: float | None = None) -> str:
    """A signed note of when the form was opened, for which group."""
    return _serializer().dumps([group_id, int(now if now is not None else time.time())])


def check_time_token(token: str, group_id: int, now: float | None = None) -> None:
    """Refuse a form sent too fast (a robot), too late (stale) or with a token not ours."""
    now = now if now is not None else time.time()
    try:
        token_group, opened = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise InvalidInput(_("The form has expired; please send it again."), field="message") from None
    age = now - opened
    config = current_app.config
    if token_group != group_id or age > config["FINDER_CONTACT_MAX_AGE_SECONDS"]:
        raise InvalidInput(_("The form has expired; please send it again."), field="message")
    if age < config["FINDER_CONTACT_MIN_SECONDS"]:
        raise InvalidInput(_("That was very fast. Please read your message once more, then send it."),
                           field="message")


# -- relaying a message ----------------------------------------------------------------

def leaders_to_write(group_id: int, day: date) -> list[Person]:
    """The group's leaders serving on ``day`` who have an e-mail address."""
    return list(db.session.scalars(
        select(Person).join(GroupLeader, GroupLeader.person_id == Person.id)
        .where(GroupLeader.group_id == group_id, leader_serving_on(day), Person.email.is_not(None))
        .order_by(GroupLeader.starts_on, GroupLeader.id)).unique())


def contact_mail(group_id: int, day: date, data: dict) -> Mail | None:
    """The message to the group's leaders from the contact form's ``data``; None when a robot filled the
    honeypot (the view answers as if sent, so the robot learns nothing). NotFound when nobody can receive it."""
    if data.get("website"):
        return None
    group = db.session.get(Group, group_id)
    leaders = leaders_to_write(group_id, day)
    if group is None or group.status not in LISTED_STATUSES or not leaders:
        raise NotFound(_("The leaders of this group cannot be reached through the registry."))
    context = dict(group=group.name, sender=data["name"], email=data["email"], message=data["message"])
    society = db.session.get(Society, group.society_id)
    with force_locale(leaders[0].language or society.default_language or "en"):
        return Mail(tuple(leader.email for leader in leaders),
                    _("Someone would like to join %(group)s", group=group.name),
                    render_template("mail/finder_contact.txt", **context),
                    render_template("mail/finder_contact.html", **context),
                    reply_to=data["email"])


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
