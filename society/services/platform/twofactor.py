"""Two-factor authentication with TOTP (RFC 6238) and single-use recovery codes.

Enrolment: ``start_enrolment`` stores a new secret that is not yet on; ``confirm_enrolment``
turns it on once the authenticator app shows a valid code, and returns ten recovery codes,
shown once (only their SHA-256 is kept). At log-in ``verify_second_factor`` takes a TOTP code
or a recovery code; failures are audited and throttled per account (only someone who knows
the password reaches this step, so no stranger can lock the owner out with it).

The secret is stored encrypted (Fernet) with a key derived from SECRET_KEY: a copy of the
database alone (a backup, a dump) does not give away anyone's second factor. Recovery codes
carry 80 random bits, so a plain SHA-256 cannot be reversed and they survive a change of key.
"""
import base64
import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import delete, func, insert, update

from ...extensions import db
from ...models import RecoveryCode, User
from ...models._base import utcnow
from . import accounts, audit
from ..errors import Conflict, DomainError, InvalidInput

ISSUER = "Balint registry"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32: no i, l, o, u
_STEP_SECONDS = 30
CODE_FAILED = "twofactor_failed"


class SecondFactorThrottled(accounts.LoginThrottled):
    title = lazy_gettext("Too many attempts")


# -- the secret at rest ----------------------------------------------------------

def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"society.twofactor.totp-secret:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str) -> str:
    return _fernet(current_app.config["SECRET_KEY"]).encrypt(secret.encode()).decode()


def _decrypt(stored: str) -> str | None:
    # Flask's SECRET_KEY_FALLBACKS lets a rotated key keep working until everyone has re-enrolled.
    for key in [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]:
        try:
            return _fernet(key).decrypt(stored.encode()).decode()
        except InvalidToken:
            continue
    return None


def secret_of(user: User) -> str | None:
    return _decrypt(user.totp_secret) if user.totp_secret else None


# -- enrolment ---------------------------------------------------------------------

def start_enrolment(user: User) -> str:
    """Store a fresh secret (not yet on) and return it for the authenticator app."""
    if user.has_two_factor:
        raise Conflict(gettext("Two-factor authentication is on already."))
    secret = pyotp.random_base32()
    user.totp_secret = _encrypt(secret)
    user.totp_last_step = None
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an inline SVG data URI (the CSP allows ``img-src data:``; nothing is fetched)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor authentication on if ``code`` is valid for the pending secret;
    return the recovery codes (the only time they are ever shown)."""
    secret = secret_of(user)
    if user.has_two_factor or secret is None:
        raise Conflict(gettext("Start the set-up again: no set-up is waiting for a code."))
    step = _matching_step(secret, code, after=None)
    if step is None:
        raise InvalidInput(gettext("That code is not valid. Check the clock of your phone and try the next code."),
                           field="code")
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record("twofactor_enabled", entity_type="User", entity_id=user.id, society_id=user.society_id,
                 details={"recovery_codes": len(codes)})
    return codes


def disable(user: User, *, password: str = "", code: str = "") -> None:
    """Turn it off; the password or a current code (or a recovery code) proves it is the owner."""
    if not user.has_two_factor and not user.totp_secret:
        return
    _refuse_when_locked(user)
    proven = bool(password) and accounts.verify_password(user, password)
    if not proven and code:
        proven = _accept_code(user, code) is not None
    if not proven:
        _record_failure(user, audit.current_actor().ip)
        raise InvalidInput(gettext("Enter your password or a current code to turn two-factor authentication off."),
                           field="password")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("twofactor_disabled", entity_type="User", entity_id=user.id, society_id=user.society_id)


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes for the old ones, proven by a current code."""
    if not user.has_two_factor:
        raise Conflict(gettext("Two-factor authentication is off."))
    _refuse_when_locked(user)
    if _accept_code(user, code, recovery=False) is None:
        _record_failure(user, audit.current_actor().ip)
        raise InvalidInput(gettext("That code is not valid."), field="code")
    codes = _replace_recovery_codes(user)
    audit.record("recovery_codes_replaced", entity_type="User", entity_id=user.id, society_id=user.society_id,
                 details={"recovery_codes": len(codes)})
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(db.select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# -- the second step of log-in -------------------------------------------------------

def verify_second_factor(user: User, code: str, ip: str | None = None) -> str:
    """Check the code at log-in; return how it was proven ("totp" or "recovery_code"), or raise.
    Failures are audit rows, and too many of them lock this step for the account for a while."""
    _refuse_when_locked(user)
    method = _accept_code(user, code)
    if method is None:
        _record_failure(user, ip)
        raise DomainError(gettext("That code is not valid."), field="code")
    return method


def _refuse_when_locked(user: User) -> None:
    # Counted per account across addresses: only someone who knows the password (or holds the
    # session) gets here, so a stranger cannot use it to lock the owner out.
    retry_after = accounts.locked_for(CODE_FAILED, accounts._setting("LOGIN_MAX_FAILURES", 5),
                                      label=user.email, any_ip=True)
    if retry_after:
        raise SecondFactorThrottled(_wait_message(retry_after), retry_after=retry_after)


def _record_failure(user: User, ip: str | None) -> None:
    audit.record(CODE_FAILED, entity_type="User", entity_id=user.id, society_id=user.society_id,
                 actor=audit.Actor(None, user.email, ip))


def _wait_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("Too many wrong codes. Wait %(num)s minute, then try again.",
                    "Too many wrong codes. Wait %(num)s minutes, then try again.", minutes)


def _accept_code(user: User, code: str, *, recovery: bool = True) -> str | None:
    """Consume a TOTP code (never the same time step twice) or an unused recovery code."""
    code = (code or "").strip()
    secret = secret_of(user)
    if user.has_two_factor and secret:
        step = _matching_step(secret, code, after=user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return "totp"
    if recovery and user.has_two_factor and _use_recovery_code(user, code):
        return "recovery_code"
    return None


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step whose code this is, allowing one step of clock drift either way."""
    digits = "".join(code.split())
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // _STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalise_recovery_code(code).encode()).hexdigest()


def _use_recovery_code(user: User, code: str) -> bool:
    if len(_normalise_recovery_code(code)) != 16:
        return False
    # One UPDATE that only succeeds for an unused code: two racing log-ins cannot both use it.
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery_code(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used:
        audit.record("recovery_code_used", entity_type="User", entity_id=user.id, society_id=user.society_id,
                     details={"left": recovery_codes_left(user)})
    return bool(used)


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    # Plain statements, so the trail holds one explicit event rather than a row per code.
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.flush()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(insert(RecoveryCode), [{"user_id": user.id, "code_hash": _hash_recovery_code(code)}
                                              for code in codes])
    return codes


# -- the society's requirement ------------------------------------------------------------

def must_enrol(user) -> bool:
    """An administrator of a society that requires two-factor authentication, without it."""
    return (user.role == "admin" and not user.has_two_factor and user.society is not None
            and user.society.require_admin_2fa)
