"""Webhooks: events written with their change, signed Standard Webhooks deliveries to a real
HTTP receiver, retried after a failure, sent once each, shown (and resent) on the admin page."""
import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update

from society.extensions import db
from society.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from society.services.accreditation import lifecycle
from society.services.certificates import issuing
from society.services.groups import register
from society.services.platform import webhook_delivery, webhooks

from . import factories

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


class Receiver:
    """A real HTTP server on loopback that records every POST; it answers ``fail_first`` 500s first."""

    def __init__(self, fail_first: int = 0, delay: float = 0.0):
        self.requests: list[dict] = []
        self.fail_first, self.delay = fail_first, delay
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                              "body": body})
                    failing = receiver.fail_first > 0
                    receiver.fail_first -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for server in made:
        server.stop()


def verified(request: dict, secret: str = SECRET) -> bool:
    """The Standard Webhooks check, computed here independently of the application's code."""
    headers = request["headers"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request["body"]
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, candidate) for candidate in headers["webhook-signature"].split())


def subscribe(society, url: str, events=()) -> WebhookSubscription:
    subscription = webhooks.subscribe(society.id, url, secret=SECRET, events=events)
    db.session.commit()
    return subscription


def run_webhooks_job(runner) -> dict:
    result = runner.invoke(args=["jobs", "run", "webhooks"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def new_group(society, name: str = "Tuesday group") -> int:
    group = register.create_group(society.id, {"name": name, "city": "Lund", "country": "SE", "format": "in_person",
                                               "language": "sv", "rhythm": "weekly", "session_minutes": 90,
                                               "status": "active", "audiences": ["gp"]})
    db.session.commit()
    return group.id


# -- the outbox --------------------------------------------------------------------------------

def test_a_new_group_writes_its_event_with_the_change_and_a_rolled_back_one_writes_none(society):
    subscribe(society, "https://example.org/hook")
    group_id = new_group(society)
    (event,) = db.session.scalars(select(WebhookEvent)).all()
    payload = json.loads(event.payload)
    assert event.type == "group.created" and payload["type"] == "group.created"
    assert payload["data"]["group"]["id"] == group_id and payload["data"]["society"] == society.code
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1

    register.create_group(society.id, {"name": "Never saved", "country": "SE", "format": "online", "language": "sv",
                                       "rhythm": "weekly", "session_minutes": 90})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_closing_a_group_is_its_own_event_and_other_edits_are_changes(society):
    subscribe(society, "https://example.org/hook", events=["group.changed", "group.closed"])
    group_id = new_group(society)
    group = register.get(group_id, society.id)
    base = {"name": "Tuesday group", "country": "SE", "format": "in_person", "language": "sv", "rhythm": "weekly",
            "session_minutes": 90}
    register.update_group(group, {**base, "city": "Malmö", "status": "active"}, group.version_id)
    db.session.commit()
    register.update_group(group, {**base, "city": "Malmö", "status": "closed"}, group.version_id)
    db.session.commit()
    types = db.session.scalars(select(WebhookEvent.type).order_by(WebhookEvent.id)).all()
    assert types == ["group.changed", "group.closed"]  # not subscribed to group.created: not written


def test_no_event_is_written_when_nobody_subscribed(society):
    new_group(society)
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_revoking_an_accreditation_announces_it_and_its_certificate(society, admin):
    subscribe(society, "https://example.org/hook", events=["accreditation.revoked", "certificate.revoked"])
    accreditation = factories.granted_accreditation(factories.member_person(society), society)
    certificate = factories.grant(accreditation)
    db.session.commit()
    lifecycle.revoke(accreditation, admin, "Misconduct", date(2026, 3, 1), public_reason="Revoked by the board")
    db.session.commit()
    events = {event.type: json.loads(event.payload)["data"] for event in db.session.scalars(select(WebhookEvent))}
    assert events["accreditation.revoked"]["accreditation"]["id"] == accreditation.id
    assert events["certificate.revoked"]["certificate"]["number"] == certificate.number


# -- delivery ----------------------------------------------------------------------------------

def test_an_event_reaches_a_real_receiver_signed_and_once(society, runner, receiver):
    hook = receiver()
    subscribe(society, hook.url)
    group_id = new_group(society)

    assert run_webhooks_job(runner)["delivered"] == 1
    (request,) = hook.requests
    assert verified(request)
    assert request["headers"]["webhook-id"] == db.session.scalar(select(WebhookEvent.message_id))
    assert abs(int(request["headers"]["webhook-timestamp"]) - time.time()) < 60
    assert request["headers"]["content-type"] == "application/json"
    assert hook.events()[0]["data"]["group"]["id"] == group_id

    assert run_webhooks_job(runner)["delivered"] == 0
    assert len(hook.requests) == 1


def test_a_receiver_that_fails_first_gets_the_same_event_again_after_the_backoff(society, runner, receiver, app):
    hook = receiver(fail_first=1)
    subscribe(society, hook.url)
    new_group(society)

    assert run_webhooks_job(runner)["retrying"] == 1
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert "500" in delivery.last_error
    wait = delivery.next_attempt_at.replace(tzinfo=delivery.next_attempt_at.tzinfo or timezone.utc) \
        - datetime.now(timezone.utc)
    assert timedelta(seconds=20) < wait <= timedelta(seconds=app.config["WEBHOOK_RETRY_SECONDS"])

    run_webhooks_job(runner)  # not due yet: nothing is sent
    assert len(hook.requests) == 1
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=datetime.now(timezone.utc)))
    db.session.commit()
    assert run_webhooks_job(runner)["delivered"] == 1

    first, second = hook.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] and verified(second)
    db.session.expire_all()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 204)


def test_the_backoff_doubles_up_to_its_ceiling(app):
    delays = [webhook_delivery.retry_delay(attempt).total_seconds() for attempt in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == app.config["WEBHOOK_RETRY_MAX_SECONDS"]


def test_a_delivery_is_given_up_after_the_last_attempt(society, receiver, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    hook = receiver(fail_first=5)
    subscribe(society, hook.url)
    new_group(society)
    for _ in range(2):
        webhook_delivery.deliver_due()
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=datetime.now(timezone.utc)))
        db.session.commit()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    webhook_delivery.deliver_due()
    assert len(hook.requests) == 2


def test_two_senders_at_once_deliver_each_event_once(society, app, receiver):
    hook = receiver(delay=0.05)
    subscribe(society, hook.url)
    for number in range(8):
        new_group(society, f"Group {number}")

    def sender():
        with app.app_context():
            webhook_delivery.deliver_due(limit=3)
            webhook_delivery.deliver_due()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [request["headers"]["webhook-id"] for request in hook.requests]
    assert len(ids) == 8 and len(set(ids)) == 8
    db.session.rollback()  # a fresh read: the test's own transaction began before the senders'
    assert set(db.session.scalars(select(WebhookDelivery.status))) == {"delivered"}


def test_a_lapse_scan_years_ahead_sends_each_lost_group_once_even_after_a_failure(society, runner, receiver):
    hook = receiver(fail_first=1)
    subscribe(society, hook.url, events=["group.accreditation_lost"])
    groups = []
    for number in range(2):
        group = factories.group(society, name=f"Balint {number}")
        person = factories.member_person(society)
        factories.group_leader_accreditation(person, society, expires_on=date(2030, 1, 1))
        factories.group_leader(group, person, starts_on=date(2024, 1, 1))
        groups.append(group.id)
    db.session.commit()

    assert runner.invoke(args=["jobs", "run", "lapse-scan", "--today", "2026-06-01"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0  # still accredited
    result = runner.invoke(args=["jobs", "run", "lapse-scan", "--today", "2040-06-01"])
    assert result.exit_code == 0, result.output
    run_webhooks_job(runner)
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=datetime.now(timezone.utc)))
    db.session.commit()
    run_webhooks_job(runner)
    runner.invoke(args=["jobs", "run", "lapse-scan", "--today", "2040-06-01"])  # a repeat scan: nothing new
    run_webhooks_job(runner)

    assert all(verified(request) for request in hook.requests)
    delivered = {}
    for request in hook.requests[1:]:  # the first answer was the receiver's failure
        delivered.setdefault(request["headers"]["webhook-id"], []).append(json.loads(request["body"]))
    assert len(delivered) == 2 and all(len(copies) == 1 for copies in delivered.values())
    assert sorted(copies[0]["data"]["group"]["id"] for copies in delivered.values()) == sorted(groups)
    assert {copies[0]["type"] for copies in delivered.values()} == {"group.accreditation_lost"}


def test_a_redirect_or_a_non_web_address_is_not_a_delivery(society):
    subscription = subscribe(society, "https://example.org/hook")
    db.session.execute(update(WebhookSubscription).values(url="file:///etc/passwd"))
    db.session.commit()
    new_group(society)
    webhook_delivery.deliver_due()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.status == "pending" and "http" in delivery.last_error
    assert subscription.id


# -- the command line --------------------------------------------------------------------------

def test_the_command_adds_and_lists_subscriptions(society, runner):
    result = runner.invoke(args=["webhooks", "add", "https://portal.example.org/hooks", "--secret", SECRET,
                                 "--events", "group.created,certificate.revoked"])
    assert result.exit_code == 0, result.output
    subscription = db.session.scalars(select(WebhookSubscription)).one()
    assert subscription.secret == SECRET and subscription.event_list == ["certificate.revoked", "group.created"]
    listed = runner.invoke(args=["webhooks", "list"]).output
    assert "https://portal.example.org/hooks" in listed and society.code in listed

    made = runner.invoke(args=["webhooks", "add", "http://localhost:9000/in"])
    assert made.exit_code == 0 and "secret: whsec_" in made.output
    assert base64.b64decode(made.output.split("secret: whsec_")[1].strip())


@pytest.mark.parametrize("args, complaint", [
    (["file:///etc/passwd"], "http"),
    (["gopher://example.org/"], "http"),
    (["https://example.org/", "--secret", "not-a-secret"], "whsec_"),
    (["https://example.org/", "--events", "group.deleted"], "events"),
])
def test_the_command_refuses_what_is_not_a_web_address_a_secret_or_an_event(society, runner, args, complaint):
    result = runner.invoke(args=["webhooks", "add", *args])
    assert result.exit_code != 0 and complaint in result.output
    assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


# -- the administrator's page ------------------------------------------------------------------

def test_the_page_subscribes_shows_deliveries_and_resends_one(society, admin_client, receiver):
    hook = receiver(fail_first=1)
    response = admin_client.post("/admin/webhooks/", data={"url": hook.url, "secret": SECRET,
                                                           "events": ["group.created", "group.closed"]})
    assert response.status_code == 302
    subscription = db.session.scalars(select(WebhookSubscription)).one()
    assert subscription.event_list == ["group.closed", "group.created"] and subscription.society_id == society.id
    new_group(society)
    webhook_delivery.deliver_due()

    page = admin_client.get("/admin/webhooks/").get_data(as_text=True)
    assert hook.url in page and "HTTP 500" in page and "Group created" in page
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert admin_client.post(f"/admin/webhooks/deliveries/{delivery.id}/resend").status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).attempts == 0
    webhook_delivery.deliver_due()
    assert len(hook.requests) == 2 and verified(hook.requests[1])
    assert "delivered" in admin_client.get("/admin/webhooks/").get_data(as_text=True)


def test_the_page_refuses_a_non_web_address_and_keeps_what_was_typed(society, admin_client):
    response = admin_client.post("/admin/webhooks/", data={"url": "ftp://example.org/x"})
    assert response.status_code == 422
    assert "ftp://example.org/x" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_a_disabled_subscription_gets_no_new_events(society, admin_client):
    subscription = subscribe(society, "https://example.org/hook")
    assert admin_client.post(f"/admin/webhooks/{subscription.id}/disable").status_code == 302
    new_group(society)
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_another_societys_administrator_cannot_touch_a_subscription(society, app):
    subscription = subscribe(society, "https://example.org/hook")
    other = factories.society()
    stranger = factories.user(role="admin", society=other)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, stranger.email)
    assert client.post(f"/admin/webhooks/{subscription.id}/disable").status_code == 404
    assert "example.org/hook" not in client.get("/admin/webhooks/").get_data(as_text=True)


def test_leaders_cannot_open_the_page(leader_client):
    assert leader_client.get("/admin/webhooks/").status_code == 403


def test_revoking_one_certificate_announces_it_without_its_inner_reason(society):
    subscribe(society, "https://example.org/hook", events=["certificate.revoked"])
    certificate = factories.grant(factories.granted_accreditation(factories.member_person(society), society))
    db.session.commit()
    issuing.revoke(certificate, "Printed with a typo", date(2026, 3, 1))
    db.session.commit()
    (event,) = db.session.scalars(select(WebhookEvent)).all()
    data = json.loads(event.payload)["data"]["certificate"]
    assert data["number"] == certificate.number and data["revoked_on"] == "2026-03-01"
    assert "typo" not in event.payload
    assert issuing.status_on(certificate, date(2026, 3, 2))[0] == "revoked"
