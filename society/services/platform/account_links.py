"""One-time links by e-mail (an invitation, a password reset) and setting a password through one.

A link carries a random token; only its sha256 is stored, with its purpose, user, expiry and
when it was used. A link works once, before it expires, for an enabled login. Setting a password
through it rotates the session token, so every other session of that login ends.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import update

from ...extensions import db
from ...models import AccountToken, User
from ...models._base import utcnow
from ..errors import DomainError
from . import accounts, audit

PATHS = {"invite": "/auth/invitation/{token}", "reset": "/auth/reset/{token}"}
HOURS_SETTING = {"invite": "INVITATION_HOURS", "reset": "RESET_HOURS"}
DONE_ACTION = {"invite": "invitation_accepted", "reset": "password_reset"}


class LinkNotUsable(DomainError):
    status = 410
    title = lazy_gettext("Link no longer valid")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def issue(user: User, purpose: str, token: str | None = None) -> str:
    """Store a link for ``user`` (expiring after the purpose's setting, in hours); return its token.
    Earlier unused links of the same purpose stop working: only the latest e-mail counts."""
    token = token or new_token()
    now = utcnow()
    _retire(user.id, now, AccountToken.purpose == purpose)
    hours = current_app.config[HOURS_SETTING[purpose]]
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=digest(token),
                                expires_at=now + timedelta(hours=hours), created_at=now))
    db.session.flush()
    return token


def url_for_token(purpose: str, token: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + PATHS[purpose].format(token=token)


def usable(token: str, purpose: str) -> AccountToken | None:
    """The stored link for this token when it may still be used, else None."""
    return db.session.scalar(
        db.select(AccountToken).join(AccountToken.user)
        .where(AccountToken.token_hash == digest(token), AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow(), User.is_enabled.is_(True))
    )


def set_password(token: str, purpose: str, password: str) -> User:
    """Set the password of the link's login and use the link up; raises LinkNotUsable or InvalidInput."""
    link = usable(token, purpose)
    if link is None:
        raise LinkNotUsable(_not_usable_message())
    user = link.user
    accounts.check_password_policy(password, email=user.email)
    now = utcnow()
    # One UPDATE claims the link, so two submits racing with the same link cannot both set a password.
    claimed = db.session.execute(
        update(AccountToken).where(AccountToken.id == link.id, AccountToken.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise LinkNotUsable(_not_usable_message())
    _retire(user.id, now)  # any other link of this login is spent too
    user.password_hash = accounts.hash_password(password)
    user.password_changed_at = now
    user.rotate_session_token()  # ends every other session
    audit.record(DONE_ACTION[purpose], entity_type="User", entity_id=user.id, society_id=user.society_id,
                 actor=audit.Actor(user.id, user.email, audit.current_actor().ip))
    return user


def _retire(user_id: int, now, *conditions) -> None:
    db.session.execute(
        update(AccountToken).where(AccountToken.user_id == user_id, AccountToken.used_at.is_(None), *conditions)
        .values(used_at=now)
    )


def _not_usable_message() -> str:
    return gettext("This link has expired or has been used already. Ask for a new one.")
