"""Forms that take effect once, however often they are sent.

Every form carries a one-time token (``form_token``, rendered beside the CSRF token by the
``csrf()`` macro). The first POST that carries it records the token in the request's own
transaction: when the view commits, the token is taken with the change; when the view rolls
back (invalid input), the token is free again and the corrected form can be sent. A second
POST with a taken token (a double click, a reload, a retry after a lost answer) changes
nothing: it is sent where the first one went, or told that the form was already sent. Two
identical POSTs at the same moment meet on the token's primary key: PostgreSQL makes the
second wait for the first's commit, SQLite serialises writers, and either way one of them wins.

Tokens are written with plain INSERTs, so the audit trail does not record them; they are
purged after ``KEEP_FOR``.
"""
import secrets
import time
from datetime import timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import FormSubmission
from ...models._base import utcnow

TOKEN_FIELD = "form_token"
KEEP_FOR = timedelta(days=2)
PURGE_EVERY_SECONDS = 3600
_last_purge = {"at": 0.0}


def new_token() -> str:
    return secrets.token_urlsafe(18)


def take(token: str, user_id: int | None) -> bool:
    """Record ``token`` as used in the current transaction; False when it was used already."""
    table = FormSubmission.__table__
    try:
        with db.session.begin_nested():
            db.session.execute(insert(table).values(token=token[:64], user_id=user_id, submitted_at=utcnow()))
    except IntegrityError:
        return False
    _purge_now_and_then()
    return True


def first_location(token: str) -> str | None:
    """Where the first submission with ``token`` sent the browser, if it said so."""
    row = db.session.get(FormSubmission, token[:64])
    return row.location if row else None


def remember_location(token: str, location: str) -> None:
    """After the first submission's answer: where it sent the browser. Commits."""
    db.session.execute(update(FormSubmission.__table__).where(FormSubmission.token == token[:64])
                       .values(location=location[:2000]))
    db.session.commit()


def _purge_now_and_then() -> None:
    now = time.monotonic()
    if now - _last_purge["at"] < PURGE_EVERY_SECONDS:
        return
    _last_purge["at"] = now
    db.session.execute(delete(FormSubmission.__table__).where(FormSubmission.submitted_at < utcnow() - KEEP_FOR))
