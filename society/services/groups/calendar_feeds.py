"""Calendar feeds: one group's (public) and a leader's personal feed of the groups they lead.

A personal feed lives at a secret address ``/calendar/<token>.ics``. Only the token's sha256
is kept (``users.calendar_token_hash``); renewing it replaces the hash, so the old address
stops working at once. The token carries 256 random bits, so a plain hash suffices.
"""
import hashlib
import secrets
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Group, GroupLeader, User
from . import calendar


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def group_calendar(group_id: int) -> bytes | None:
    """The group's calendar, or None when there is no such group."""
    group = db.session.scalar(select(Group).where(Group.id == group_id).options(selectinload(Group.exceptions)))
    if group is None:
        return None
    return calendar.calendar([group], group.name)


def renew_token(user: User) -> str:
    """A new secret address for the user's personal feed; the previous one stops working. Flushes."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = _hash(token)
    db.session.flush()
    return token


def led_groups(person_id: int, day: date) -> list[Group]:
    """The groups the person leads on ``day`` or will lead, not closed, by name."""
    return list(db.session.scalars(
        select(Group).where(Group.status != "closed", Group.id.in_(
            select(GroupLeader.group_id).where(GroupLeader.person_id == person_id,
                                               or_(GroupLeader.ends_on.is_(None), GroupLeader.ends_on >= day))))
        .options(selectinload(Group.exceptions)).order_by(Group.name, Group.id)))


def personal_calendar(token: str, day: date) -> bytes | None:
    """The calendar of the leader whose feed address carries ``token``; None for an unknown or disabled one."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token_hash == _hash(token)))
    if user is None or not user.is_enabled or user.person_id is None:
        return None
    return calendar.calendar(led_groups(user.person_id, day), _("My Balint groups"))
