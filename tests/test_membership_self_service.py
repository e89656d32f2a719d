"""A member's own membership: status, category and dues per period, contact details they keep
up (audited: administrators see the change in the member's history), the menu entry."""
from datetime import date

import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import Person

from . import factories


@pytest.fixture
def member_user(society):
    membership = factories.member(society, given_name="Maja", family_name="Medlem", email="maja@example.se",
                                  category="student", phone="+46 70 111 22 33", city="Lund")
    factories.dues(membership, 2025, paid_on=date(2025, 1, 20))
    user = factories.user(role="member", person=membership.person, email="maja@example.se")
    db.session.commit()
    return user


@pytest.fixture
def member_client(app, member_user):
    client = app.test_client()
    factories.log_in(client, member_user.email)
    return client


def _form(person: Person, **changes) -> dict:
    data = {"given_name": person.given_name, "family_name": person.family_name, "email": person.email,
            "phone": person.phone or "", "city": person.city or "", "version": str(person.version_id)}
    data.update(changes)
    return data


def test_the_member_lands_on_my_membership_with_category_and_dues(member_client):
    home = member_client.get("/")
    assert home.status_code == 302
    page = member_client.get("/membership", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "My membership" in page and "Student" in page and "Active" in page and "Lund" in page


def test_a_leader_has_my_membership_in_the_account_menu_and_a_member_on_the_bar(leader_client, member_client):
    import re

    def entry_classes(client):
        page = client.get("/membership", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        return re.findall(r'<a class="([^"]*)"[^>]*href="/membership">', page.get_data(as_text=True))

    # The leader's bar is full: the entry sits in the Account dropdown (and shows where they are).
    assert entry_classes(leader_client) == ["dropdown-item active"]
    assert entry_classes(member_client) == ["nav-link active"]


def test_an_administrator_has_no_membership_page(admin_client):
    assert admin_client.get("/membership").status_code == 403


def test_the_member_updates_contact_details_and_administrators_see_what_changed(app, member_client, member_user, society):
    person = db.session.get(Person, member_user.person_id)
    response = member_client.post("/membership/contact", data=_form(person, phone="+46 70 999 88 77", city="Malmö"))
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, member_user.person_id)
    assert (person.phone, person.city) == ("+46 70 999 88 77", "Malmö")
    admin = factories.user(role="admin", society=society)
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, admin.email)
    record = client.get(f"/admin/members/{person.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "+46 70 999 88 77" in record and "Malmö" in record and "Lund" in record  # old and new values


def test_a_bad_phone_is_shown_beside_the_field_and_what_was_typed_is_kept(member_client, member_user):
    person = db.session.get(Person, member_user.person_id)
    response = member_client.post("/membership/contact", data=_form(person, phone="call me", city="Ystad"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "call me" in page and "Ystad" in page and 'aria-invalid="true"' in page


def test_a_stale_contact_form_is_refused_with_what_was_typed(member_client, member_user):
    person = db.session.get(Person, member_user.person_id)
    stale = _form(person, city="Ystad", version=str(person.version_id))
    person.city = "Kiruna"
    db.session.commit()
    response = member_client.post("/membership/contact", data=stale)
    assert response.status_code == 409 and "Ystad" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Person.city).where(Person.id == member_user.person_id)) == "Kiruna"


def test_the_member_can_stop_and_restart_reminders_before_the_due_date(member_client, member_user):
    member_client.post("/membership/reminders", data={})
    db.session.expire_all()
    assert db.session.get(Person, member_user.person_id).unsubscribed_on is not None
    member_client.post("/membership/reminders", data={"subscribed": "y"})
    db.session.expire_all()
    assert db.session.get(Person, member_user.person_id).unsubscribed_on is None
