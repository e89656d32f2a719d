"""Sending the outbox's due deliveries, signed the Standard Webhooks way, once each.

Headers: ``webhook-id`` (the event's ``msg_...`` id, the same on every attempt, so a receiver can
drop repeats), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``:
``v1,`` + base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}`` keyed with the base64-decoded
part of the subscription's secret after ``whsec_``.

Once across processes: a sender first *claims* due rows with one conditional UPDATE (status
pending and due, or "delivering" whose lease ran out because its sender died) that sets its own
claim token and a lease, and commits; a racing sender's UPDATE no longer matches those rows
(PostgreSQL re-checks the condition on the locked row; SQLite writes one at a time). The HTTP
requests are sent outside any transaction; each result is recorded only while the row still
carries this sender's token. A 2xx is delivered; anything else (an error status, a redirect,
a timeout, a refused connection) is retried after WEBHOOK_RETRY_SECONDS, doubled each time up
to WEBHOOK_RETRY_MAX_SECONDS, and given up ("failed") after WEBHOOK_MAX_ATTEMPTS.
"""
import base64
import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ...database import writing
from ...extensions import db
from ...models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .webhooks import is_web_url, signing_key, utcnow

log = logging.getLogger(__name__)
USER_AGENT = "society-registry-webhooks/1"
ERROR_LENGTH = 500


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value for one attempt."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: the wait after the ``attempts``-th failed attempt."""
    config = current_app.config
    seconds = config["WEBHOOK_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["WEBHOOK_RETRY_MAX_SECONDS"]))


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    response_code: int | None = None
    error: str | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None  # a 3xx is an answer like any other non-2xx: not delivered


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, headers: dict, body: bytes, timeout: float) -> Outcome:
    if not is_web_url(url):
        return Outcome(False, error="Only http and https URLs are allowed.")
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Outcome(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as error:
        return Outcome(False, error.code, f"HTTP {error.code} {error.reason}")
    except (OSError, ValueError) as error:  # refused, unreachable, timed out, a bad URL
        return Outcome(False, error=f"{type(error).__name__}: {error}")


def _due(now: datetime):
    return or_(and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == "delivering", WebhookDelivery.lease_until < now))


def claim(limit: int) -> tuple[str, list]:
    """Claim up to ``limit`` due deliveries of active subscriptions for this sender, committed:
    its claim token and the claimed rows (with event and subscription)."""
    token = uuid.uuid4().hex
    now = utcnow()
    lease = timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT_SECONDS"] * 3 + 60)
    active = select(WebhookSubscription.id).where(WebhookSubscription.active.is_(True))
    with writing():
        candidates = select(WebhookDelivery.id).where(_due(now), WebhookDelivery.subscription_id.in_(active)) \
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        ids = list(db.session.scalars(candidates))
        if ids:
            db.session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), _due(now))
                .values(status="delivering", claim_token=token, lease_until=now + lease,
                        attempts=WebhookDelivery.attempts + 1, updated_at=now)
                .execution_options(synchronize_session=False))
        db.session.commit()
    if not ids:
        return token, []
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookEvent.message_id, WebhookEvent.payload,
               WebhookSubscription.url, WebhookSubscription.secret)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.claim_token == token, WebhookDelivery.status == "delivering")
        .order_by(WebhookDelivery.id)).all()
    db.session.commit()
    return token, rows


def send(row) -> Outcome:
    body = row.payload.encode()
    timestamp = int(time.time())
    try:
        headers = {"webhook-id": row.message_id, "webhook-timestamp": str(timestamp),
                   "webhook-signature": signature(row.secret, row.message_id, timestamp, body),
                   "content-type": "application/json", "user-agent": USER_AGENT}
    except ValueError as error:
        return Outcome(False, error=str(error))
    return post(row.url, headers, body, current_app.config["WEBHOOK_TIMEOUT_SECONDS"])


def record(row, token: str, outcome: Outcome) -> str:
    """Store one attempt's result, if the claim is still this sender's; the new status."""
    now = utcnow()
    if outcome.delivered:
        values = {"status": "delivered", "delivered_at": now, "last_error": None}
    elif row.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        values = {"status": "failed", "last_error": (outcome.error or "")[:ERROR_LENGTH]}
    else:
        values = {"status": "pending", "next_attempt_at": now + retry_delay(row.attempts),
                  "last_error": (outcome.error or "")[:ERROR_LENGTH]}
    with writing():
        db.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == row.id, WebhookDelivery.claim_token == token)
            .values(response_code=outcome.response_code, lease_until=None, updated_at=now, **values)
            .execution_options(synchronize_session=False))
        db.session.commit()
    return values["status"]


def deliver_due(limit: int | None = None) -> dict:
    """Send every delivery due now (in batches of WEBHOOK_BATCH); counts by resulting status."""
    batch = limit or current_app.config["WEBHOOK_BATCH"]
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    while True:
        token, rows = claim(batch)
        for row in rows:
            status = record(row, token, send(row))
            counts["retrying" if status == "pending" else status] += 1
        if len(rows) < batch or limit:
            return counts
