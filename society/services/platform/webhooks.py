"""Webhook subscriptions and the outbox (Standard Webhooks, https://www.standardwebhooks.com/).

An administrator subscribes an external system (a URL, a ``whsec_`` secret, the event types
it wants) for their society. ``emit`` writes events to the outbox (``webhook_events``), with one
``webhook_deliveries`` row per subscription that wants them, on the connection of the change
that caused them: they commit or roll back with it. An event no active subscription wants is
not written. ``webhook_delivery`` sends what is due.

Only ``http`` and ``https`` URLs are accepted (no ``file:``, ``ftp:`` or other schemes urllib
would open); the sender follows no redirects. Addresses are not filtered further: only the
society's administrators (or the server's operator, by CLI) can subscribe, and they may need a
receiver on their own network.
"""
import base64
import binascii
import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update

from ...extensions import db
from ...models import Society, WebhookDelivery, WebhookEvent, WebhookSubscription
from ...models.webhooks import WEBHOOK_EVENT_TYPES

SECRET_PREFIX = "whsec_"
URL_SCHEMES = ("http", "https")
DELIVERIES_SHOWN = 100


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_key(secret: str) -> bytes:
    """The key a ``whsec_...`` secret stands for; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("A webhook secret starts with whsec_.")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error as error:
        raise ValueError("A webhook secret is whsec_ followed by base64.") from error
    if not 24 <= len(key) <= 64:
        raise ValueError("A webhook secret's key is 24 to 64 bytes long.")
    return key


def is_web_url(url: str) -> bool:
    """Only http(s) URLs with a host: nothing urllib would read from disk or another protocol."""
    parts = urlsplit(url)
    return parts.scheme in URL_SCHEMES and bool(parts.hostname)


# -- subscriptions -------------------------------------------------------------------------
def subscribe(society_id: int, url: str, *, secret: str | None = None,
              events: Iterable[str] = ()) -> WebhookSubscription:
    """A new active subscription (input validated by schemas.webhooks.SubscriptionSchema)."""
    subscription = WebhookSubscription(society_id=society_id, url=url, secret=secret or new_secret(),
                                       events=" ".join(sorted(set(events))), active=True)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def subscriptions_of(society_id: int | None = None) -> list[WebhookSubscription]:
    statement = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if society_id is not None:
        statement = statement.where(WebhookSubscription.society_id == society_id)
    return list(db.session.scalars(statement))


def get_subscription(subscription_id: int, society_id: int) -> WebhookSubscription | None:
    subscription = db.session.get(WebhookSubscription, subscription_id)
    return subscription if subscription is not None and subscription.society_id == society_id else None


def set_active(subscription: WebhookSubscription, active: bool) -> None:
    """Disable (or enable again) a subscription; a disabled one gets no new events and its due
    deliveries wait."""
    subscription.active = active
    db.session.flush()


# -- deliveries ----------------------------------------------------------------------------
def recent_deliveries(society_id: int, limit: int = DELIVERIES_SHOWN) -> list:
    return db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_error,
               WebhookDelivery.response_code, WebhookDelivery.next_attempt_at, WebhookDelivery.delivered_at,
               WebhookEvent.type, WebhookEvent.message_id, WebhookEvent.created_at, WebhookSubscription.url)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookSubscription.society_id == society_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)).all()


def resend(delivery_id: int, society_id: int) -> bool:
    """Make one of the society's deliveries due now again (same webhook-id), unless it is being sent."""
    owned = select(WebhookSubscription.id).where(WebhookSubscription.society_id == society_id)
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id.in_(owned),
               WebhookDelivery.status != "delivering")
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None, claim_token=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def counts_by_status(society_id: int) -> dict[str, int]:
    return dict(db.session.execute(
        select(WebhookDelivery.status, func.count())
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookSubscription.society_id == society_id).group_by(WebhookDelivery.status)).all())


# -- the outbox ----------------------------------------------------------------------------
def emit(event_type: str, items: list[tuple[int, dict]], *, connection=None) -> int:
    """Write events of ``event_type`` (``items``: society id and the event's data) to the outbox,
    each with a pending delivery per active subscription of its society that wants it, on
    ``connection`` (default: the session's, so in the change's transaction). Events written."""
    if event_type not in WEBHOOK_EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}.")
    if not items:
        return 0
    connection = connection if connection is not None else db.session.connection()
    listeners = _listeners(connection, event_type, {society_id for society_id, _data in items})
    items = [(society_id, data) for society_id, data in items if listeners.get(society_id)]
    if not items:
        return 0
    codes = dict(connection.execute(select(Society.id, Society.code).where(Society.id.in_(listeners))).all())
    now = utcnow()
    stamp = now.isoformat().replace("+00:00", "Z")
    events = [{"message_id": f"msg_{uuid.uuid4().hex}", "society_id": society_id, "type": event_type,
               "created_at": now,
               "payload": json.dumps({"type": event_type, "timestamp": stamp,
                                      "data": {"society": codes[society_id], **data}},
                                     separators=(",", ":"), sort_keys=True, default=str)}
              for society_id, data in items]
    table = WebhookEvent.__table__
    written = connection.execute(insert(table).returning(table.c.id, table.c.society_id), events).all()
    deliveries = [{"event_id": row.id, "subscription_id": subscription_id, "status": "pending", "attempts": 0,
                   "next_attempt_at": now, "updated_at": now}
                  for row in written for subscription_id in listeners[row.society_id]]
    connection.execute(insert(WebhookDelivery.__table__), deliveries)
    return len(events)


def _listeners(connection, event_type: str, society_ids: set[int]) -> dict[int, list[int]]:
    """Active subscriptions that want ``event_type``, by society."""
    listeners: dict[int, list[int]] = defaultdict(list)
    for row in connection.execute(
            select(WebhookSubscription.id, WebhookSubscription.society_id, WebhookSubscription.events)
            .where(WebhookSubscription.active.is_(True), WebhookSubscription.society_id.in_(sorted(society_ids)))):
        if not row.events or event_type in row.events.split():
            listeners[row.society_id].append(row.id)
    return listeners
