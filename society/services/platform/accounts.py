"""Accounts: password policy and hashing, log-in with throttling, session revocation."""
import math
from datetime import timedelta, timezone
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext, lazy_gettext, ngettext

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

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after  # seconds, for the Retry-After header


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        path = Path(__file__).with_name("common_passwords.txt")
        lines = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
        _COMMON = frozenset(line for line in lines if line and not line.startswith("#"))
    return _COMMON


def check_password_policy(password: str, *, email: str | None = None, field: str = "password") -> None:
    """Length rules only, no character classes; refuse the passwords attackers try first and the
    account's own e-mail address (ASVS 6.2). ``field`` names the form field the reason is shown beside."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(gettext("Use at least %(num)s characters.", num=MIN_LENGTH), field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(gettext("Use at most %(num)s characters.", num=MAX_LENGTH), field=field)
    if password.lower() in _common_passwords():
        raise InvalidInput(gettext("This password is among the most common ones; choose another."), field=field)
    if email and _is_own_address(password, email):
        raise InvalidInput(gettext("Do not use your e-mail address as your password."), field=field)


def _is_own_address(password: str, email: str) -> bool:
    typed, address = password.strip().casefold(), email.strip().casefold()
    return typed in (address, address.partition("@")[0]) or address in typed


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
    email = email.strip().lower()
    check_password_policy(password, email=email)
    if db.session.scalar(db.select(User.id).where(User.email == email)):
        raise Conflict(gettext("An account for %(email)s exists already.", email=email), field="email")
    user = User(email=email, password_hash=hash_password(password), role=role,
                society_id=society_id, person_id=person_id, password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def _setting(name: str, default):
    from flask import current_app, has_app_context

    return current_app.config.get(name, default) if has_app_context() else default


def locked_for(action: str, limit: int, *, label: str | None = None, ip: str | None = None,
               any_ip: bool = False) -> int:
    """Seconds until fewer than ``limit`` audited ``action`` rows (by this actor label and/or
    client address) remain in the window; 0 when there are fewer already."""
    window = _setting("LOGIN_WINDOW_SECONDS", 900)
    now = utcnow()
    query = db.select(AuditEvent.occurred_at).where(
        AuditEvent.action == action, AuditEvent.occurred_at >= now - timedelta(seconds=window))
    if label is not None:
        query = query.where(AuditEvent.actor_label == label)
    if not any_ip:
        query = query.where(AuditEvent.ip.is_(None) if ip is None else AuditEvent.ip == ip)
    recent = list(db.session.scalars(query.order_by(AuditEvent.occurred_at.desc()).limit(limit)))
    if len(recent) < limit:
        return 0
    oldest = recent[-1] if recent[-1].tzinfo else recent[-1].replace(tzinfo=timezone.utc)
    return max(1, math.ceil((oldest + timedelta(seconds=window) - now).total_seconds()))


def _is_known_address(email: str, ip: str | None) -> bool:
    """Has this account logged in from this address lately (the owner's own browser)?"""
    since = utcnow() - timedelta(days=_setting("LOGIN_KNOWN_ADDRESS_DAYS", 90))
    return ip is not None and db.session.scalar(db.select(AuditEvent.id).where(
        AuditEvent.action == "login", AuditEvent.actor_label == email, AuditEvent.ip == ip,
        AuditEvent.occurred_at >= since).limit(1)) is not None


def login_lock(email: str, ip: str | None) -> tuple[int, str] | None:
    """(seconds to wait, why) when log-in from this address to this account is refused for now.

    Failures lock the pair (account, address) only, so a stranger's wrong guesses from
    elsewhere never lock the owner out of their own browser. Across accounts an address gets a
    much higher limit (stops spraying one password over many accounts); across addresses an
    account gets one that spares the addresses it logged in from lately (stops a botnet
    guessing one account, while its owner still gets in)."""
    pair = locked_for("login_failed", _setting("LOGIN_MAX_FAILURES", 5), label=email, ip=ip)
    if pair:
        return pair, "pair"
    address = locked_for("login_failed", _setting("LOGIN_MAX_FAILURES_PER_ADDRESS", 50), ip=ip)
    if address:
        return address, "address"
    account = locked_for("login_failed", _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT", 100), label=email, any_ip=True)
    if account and not _is_known_address(email, ip):
        return account, "account"
    return None


def _throttled(seconds: int, reason: str) -> LoginThrottled:
    minutes = max(1, -(-seconds // 60))
    if reason == "address":
        message = ngettext("Too many failed log-ins from this address. Wait %(num)s minute, then try again.",
                           "Too many failed log-ins from this address. Wait %(num)s minutes, then try again.",
                           minutes)
    else:
        message = ngettext("Too many failed log-ins for this account. Wait %(num)s minute, then try again.",
                           "Too many failed log-ins for this account. Wait %(num)s minutes, then try again.",
                           minutes)
    return LoginThrottled(message, retry_after=seconds)


def verify_credentials(email: str, password: str, ip: str | None = None) -> User:
    """Return the user for these credentials, or raise; nobody is logged in yet (a second
    factor may follow). Failures are audited and throttled in the database, so the limit
    holds across every worker and host."""
    email = (email or "").strip().lower()
    lock = login_lock(email, ip)
    if lock:
        raise _throttled(*lock)
    user = db.session.scalar(db.select(User).where(User.email == email))
    if not verify_password(user, password) or not user.is_enabled:
        audit.record("login_failed", entity_type="User", entity_id=user.id if user else None,
                     actor=audit.Actor(None, email, ip))
        raise DomainError(gettext("E-mail or password is wrong, or the account is disabled."))
    if _hashing()[0].check_needs_rehash(user.password_hash):
        # The user's own account changes: on the trail under their name, not "anonymous".
        with audit.acting_as(audit.Actor(user.id, user.email, ip)):
            user.password_hash = hash_password(password)
            db.session.flush()
    return user


def record_login(user: User, ip: str | None = None, *, second_factor: str | None = None) -> None:
    # The user's own log-in changes their account: on the trail under their name, not "anonymous".
    with audit.acting_as(audit.Actor(user.id, user.email, ip)) as actor:
        user.last_login_at = utcnow()
        audit.record("login", entity_type="User", entity_id=user.id, society_id=user.society_id,
                     details={"second_factor": second_factor} if second_factor else None, actor=actor)
        db.session.flush()


def authenticate(email: str, password: str, ip: str | None = None) -> User:
    """Log-in with a password alone (accounts without a second factor)."""
    user = verify_credentials(email, password, ip)
    record_login(user, ip)
    return user


def log_out(user: User) -> None:
    user.rotate_session_token()
    audit.record("logout", entity_type="User", entity_id=user.id, society_id=user.society_id)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise InvalidInput(gettext("The current password is wrong."), field="current_password")
    check_password_policy(new, email=user.email, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.rotate_session_token()


def set_enabled(user: User, enabled: bool) -> None:
    user.is_enabled = enabled
    user.rotate_session_token()


def load_by_session_token(token: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.session_token == token))
    return user if user is not None and user.is_enabled else None


def remember_language(user: User, language: str) -> None:
    """Keep the interface language the user chose, for their next sessions (no change, no write)."""
    if user.language != language:
        user.language = language
        db.session.flush()
