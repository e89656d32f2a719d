"""A form sent twice takes effect once (its one-time token), and two requests racing for the
same unique thing answer like any other conflict (409 or 422), on SQLite and PostgreSQL alike."""
import re
import threading
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import func, select

from society.extensions import db
from society.models import DuesPayment, FormSubmission, GroupSession, Person, TrainingRecord

from . import factories
from .conftest import make_app

MEMBER = {"given_name": "Anna", "family_name": "Berg", "email": "anna.berg@example.org", "profession": "gp",
          "category": "full", "joined_on": "2024-01-01"}


def _token(client, url: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def _people(email: str) -> int:
    return db.session.scalar(select(func.count(Person.id)).where(Person.email == email))


def test_every_form_carries_a_one_time_token(admin_client):
    first, second = _token(admin_client, "/admin/members/new"), _token(admin_client, "/admin/members/new")
    assert first and first != second


def test_a_double_click_creates_one_member_and_both_answers_go_to_it(admin_client):
    data = {**MEMBER, "form_token": _token(admin_client, "/admin/members/new")}
    first = admin_client.post("/admin/members/new", data=data)
    second = admin_client.post("/admin/members/new", data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _people(MEMBER["email"]) == 1


def test_a_refused_form_does_not_use_its_token_up(admin_client):
    token = _token(admin_client, "/admin/members/new")
    refused = admin_client.post("/admin/members/new", data={**MEMBER, "email": "not an address", "form_token": token})
    assert refused.status_code == 422
    assert 'name="given_name"' in refused.get_data(as_text=True) and "Anna" in refused.get_data(as_text=True)
    corrected = admin_client.post("/admin/members/new", data={**MEMBER, "form_token": token})
    assert corrected.status_code == 302 and _people(MEMBER["email"]) == 1


def test_a_repeated_session_record_adds_no_second_session_or_records(admin_client, society):
    group = factories.group(society, session_minutes=90, starts_on=date(2024, 1, 1))
    people = [factories.member_person(society) for _ in range(3)]
    for person in people:
        factories.participant(group, person)
    db.session.commit()
    url = f"/groups/{group.id}/sessions/new"
    data = {"held_on": "2024-06-03", "attendees": [str(p.id) for p in people], "form_token": _token(admin_client, url)}
    assert admin_client.post(url, data=data).status_code == 302
    assert admin_client.post(url, data=data).status_code == 303
    assert db.session.scalar(select(func.count(GroupSession.id))) == 1
    assert db.session.scalar(select(func.count(TrainingRecord.id))) == 3
    assert db.session.scalar(select(func.count(FormSubmission.token))) == 1


def _race(app, email: str, requests: list[tuple[str, dict]]) -> list[int]:
    """Send the requests at the same moment from as many logged-in clients; their status codes."""
    return sorted(status for status, _body in _race_bodies(app, email, requests))


def _race_bodies(app, email: str, requests: list[tuple[str, dict]]) -> list[tuple[int, str]]:
    """Send the requests at the same moment from as many logged-in clients; (status, page) of each."""
    clients = [FlaskClient(app, app.response_class, use_cookies=True) for _ in requests]  # each its own context
    for client in clients:
        factories.log_in(client, email)
    barrier, statuses, errors = threading.Barrier(len(requests)), [], []

    def send(client, url, data):
        try:
            barrier.wait()
            response = client.post(url, data=data)
            statuses.append((response.status_code, response.get_data(as_text=True)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            errors.append(repr(error))

    threads = [threading.Thread(target=send, args=(c, url, data)) for c, (url, data) in zip(clients, requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return statuses


def test_the_same_member_created_from_two_tabs_at_once_is_one_member_and_a_clear_answer(
        db_url, storage_dir, app, admin):
    racing = make_app(db_url, storage_dir)
    for attempt in range(3):
        email = f"race{attempt}@example.org"
        statuses = _race(racing, admin.email, [("/admin/members/new", {**MEMBER, "email": email})] * 2)
        db.session.rollback()
        assert statuses[0] == 302 and statuses[1] in (409, 422), statuses
        assert _people(email) == 1
    # The loser's form comes back as typed, with what happened above it.
    losing = _race_bodies(racing, admin.email, [("/admin/members/new", {**MEMBER, "email": "race9@example.org"})] * 2)
    refused = [body for status, body in losing if status in (409, 422)]
    assert len(refused) == 1 and 'value="race9@example.org"' in refused[0] and 'value="Anna"' in refused[0]


def test_one_periods_dues_paid_from_two_tabs_at_once_is_one_payment(db_url, storage_dir, app, admin, society):
    person = factories.member_person(society)
    db.session.commit()
    racing = make_app(db_url, storage_dir)
    payment = {"period": "2026", "amount": "450", "paid_on": "2026-02-01"}
    statuses = _race(racing, admin.email, [(f"/admin/members/{person.id}/dues", payment)] * 3)
    db.session.rollback()
    assert all(status in (302, 409, 422) for status in statuses) and 302 in statuses, statuses
    assert db.session.scalar(select(func.count(DuesPayment.id))) == 1
