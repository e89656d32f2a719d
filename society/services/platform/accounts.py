"""Accounts: password policy and hashing, log-in with throttling, session revocation."""
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import func

from ...extensions import db
from ...models import AuditEvent, User
from ...models._base import utcnow
from . import audit
from ..errors import Conflict, DomainError, InvalidInput

# argon2id with the RFC 9106 low-memory profile (ASVS 11.4.2); PASSWORD_HASH_* settings may
# only lower it where nothing real is protected (the test suite: config.py).
PRODUCTION_HASH = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}
MIN_LENGTH, MAX_LENGTH = 8, 128
_COMMON = None


class LoginThrottled(DomainError):
    status = 429
    title = lazy_gettext("Too many attempts")


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        path = Path(__file__).with_name("common_passwords.txt")
        _COMMON = frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())
    return _COMMON


def check_password_policy(password: str) -> None:
    """Length rules only, no character classes; refuse the passwords attackers try first (ASVS 6.2)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(gettext("Use at least %(num)s characters.", num=MIN_LENGTH), field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(gettext("Use at most %(num)s characters.", num=MAX_LENGTH), field="password")
    if password.lower() in _common_passwords():
        raise InvalidInput(gettext("This password is among the most common ones; choose another."), field="password")


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    """The hasher for these parameters, and a dummy hash made with them (built once, on first use)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher, hasher.hash("an unguessable dummy password")


def _hashing() -> tuple[PasswordHasher, str]:
    return _hasher_for(_setting("PASSWORD_HASH_TIME_COST", PRODUCTION_HASH["time_cost"]),
                       _setting("PASSWORD_HASH_MEMORY_KIB", PRODUCTION_HASH["memory_cost"]),
                       _setting("PASSWORD_HASH_PARALLELISM", PRODUCTION_HASH["parallelism"]))


def hash_password(password: str) -> str:
    return _hashing()[0].hash(password)


def verify_password(user: User | None, password: str) -> bool:
    # Verify against a dummy hash for unknown users so timing does not reveal accounts.
    hasher, dummy_hash = _hashing()
    try:
        return hasher.verify(user.password_hash if user else dummy_hash, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def create_user(email: str, password: str, role: str, *, society_id=None, person_id=None) -> User:
    check_password_policy(password)
    email = email.strip().lower()
    if db.session.scalar(db.select(User.id).where(User.email == email)):
        raise Conflict(gettext("An account for %(email)s exists already.", email=email), field="email")
    user = User(email=email, password_hash=hash_password(password), role=role,
                society_id=society_id, person_id=person_id, password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def _recent_failures(email: str, ip: str | None) -> int:
    since = utcnow() - timedelta(seconds=_setting("LOGIN_WINDOW_SECONDS", 900))
    by_account = db.session.scalar(
        db.select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "login_failed", AuditEvent.actor_label == email, AuditEvent.occurred_at >= since
        )
    )
    return by_account or 0


def _setting(name: str, default):
    from flask import current_app, has_app_context

    return current_app.config.get(name, default) if has_app_context() else default


def authenticate(email: str, password: str, ip: str | None = None) -> User:
    """Return the user for these credentials, or raise. Failures are audited and throttled
    in the database, so the limit holds across every worker and host."""
    email = (email or "").strip().lower()
    if _recent_failures(email, ip) >= _setting("LOGIN_MAX_FAILURES", 5):
        minutes = max(1, -(-_setting("LOGIN_WINDOW_SECONDS", 900) // 60))
        raise LoginThrottled(ngettext("Too many failed log-ins for this account. Wait %(num)s minute, then try again.",
                                      "Too many failed log-ins for this account. Wait %(num)s minutes, then try again.",
                                      minutes))
    user = db.session.scalar(db.select(User).where(User.email == email))
    if not verify_password(user, password) or not user.is_enabled:
        audit.record("login_failed", entity_type="User", entity_id=user.id if user else None,
                     actor=audit.Actor(None, email, ip))
        raise DomainError(gettext("E-mail or password is wrong, or the account is disabled."))
    if _hashing()[0].check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", entity_type="User", entity_id=user.id, society_id=user.society_id,
                 actor=audit.Actor(user.id, user.email, ip))
    return user


def log_out(user: User) -> None:
    user.rotate_session_token()
    audit.record("logout", entity_type="User", entity_id=user.id, society_id=user.society_id)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise InvalidInput(gettext("The current password is wrong."), field="current_password")
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.rotate_session_token()


def set_enabled(user: User, enabled: bool) -> None:
    user.is_enabled = enabled
    user.rotate_session_token()


def load_by_session_token(token: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.session_token == token))
    return user if user is not None and user.is_enabled else None
