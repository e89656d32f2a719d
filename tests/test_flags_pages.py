"""The flags inbox: an administrator sees and acknowledges their own society's flags only."""
import json
from datetime import date, datetime, timezone

from sqlalchemy import select

from society.extensions import db
from society.models import Flag

from . import factories


def test_the_inbox_lists_the_societys_open_flags_with_names_not_other_societies(admin_client, society):
    group = factories.group(society, name="Balintgrupp Uppsala")
    person = factories.person(given_name="Maria", family_name="Holm")
    factories.flag(society, subject_id=group.id)
    factories.flag(society, kind="membership_lapsed", subject_type="person", subject_id=person.id,
                   cause=f"no-membership:{society.id}", severity="critical", message="Not a member.")
    other = factories.society()
    factories.flag(other, subject_id=group.id, cause="too_many_leaders", message="Secret of the other society.")

    page = admin_client.get("/admin/flags/").get_data(as_text=True)
    assert "Balintgrupp Uppsala" in page and "Maria Holm" in page
    assert "participants, fewer than the society&#39;s minimum of" in page
    assert "Leads a group but is not a member of the society." in page
    assert "leaders; the society" not in page  # the other society's flag


def test_the_inbox_filters_by_kind_state_and_subject(admin_client, society):
    factories.flag(society, subject_id=1)
    factories.flag(society, kind="dues_lapsed", subject_type="membership", subject_id=7, cause="dues:2025",
                   details=json.dumps({"period": 2025, "due_on": "2025-01-31", "grace_days": 90}))
    factories.flag(society, subject_id=2, resolved_on=date(2026, 2, 1),
                   resolved_at=datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc))

    dues_only = admin_client.get("/admin/flags/?kind=dues_lapsed").get_data(as_text=True)
    assert "dues for 2025" in dues_only and "participants" not in dues_only
    resolved = admin_client.get("/admin/flags/?state=resolved").get_data(as_text=True)
    assert "Resolved on Feb 1, 2026" in resolved and "dues for 2025" not in resolved
    subject = admin_client.get("/admin/flags/?state=all&subject_type=membership&subject_id=7").get_data(as_text=True)
    assert "dues for 2025" in subject and "participants" not in subject


def test_a_filter_that_is_not_understood_is_refused_with_422(admin_client):
    response = admin_client.get("/admin/flags/?kind=nonsense&subject_id=abc")
    assert response.status_code == 422
    assert "were not understood" in response.get_data(as_text=True)


def test_an_administrator_acknowledges_a_flag_with_a_note(admin_client, admin, society):
    flag = factories.flag(society)
    response = admin_client.post(f"/admin/flags/{flag.id}/acknowledge",
                                 data={"note": "Two new members start in March.", "back": "kind=group_norms&state=open"})
    assert response.status_code == 302
    assert "kind=group_norms" in response.headers["Location"]
    db.session.refresh(flag)
    assert flag.acknowledgement_note == "Two new members start in March."
    assert flag.acknowledged_by_id == admin.id and flag.acknowledged_at and flag.resolved_at is None
    assert "Two new members" not in admin_client.get("/admin/flags/").get_data(as_text=True)
    assert "Two new members" in admin_client.get("/admin/flags/?state=acknowledged").get_data(as_text=True)


def test_an_acknowledgement_without_a_note_is_refused_beside_the_field(admin_client, society):
    flag = factories.flag(society)
    response = admin_client.post(f"/admin/flags/{flag.id}/acknowledge", data={"note": "  "})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    db.session.refresh(flag)
    assert flag.acknowledged_at is None


def test_another_societys_flag_cannot_be_acknowledged(admin_client):
    flag = factories.flag(factories.society())
    response = admin_client.post(f"/admin/flags/{flag.id}/acknowledge", data={"note": "mine now"})
    assert response.status_code == 404
    db.session.refresh(flag)
    assert flag.acknowledged_at is None


def test_leaders_and_visitors_cannot_see_the_inbox(client, leader_client, society):
    flag = factories.flag(society)
    assert leader_client.get("/admin/flags/").status_code == 403
    assert leader_client.post(f"/admin/flags/{flag.id}/acknowledge", data={"note": "x"}).status_code == 403
    assert client.get("/admin/flags/").status_code == 302


def test_acknowledging_needs_the_csrf_token(csrf_app, admin, society):
    flag = factories.flag(society)
    db.session.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/auth/login", data={"email": admin.email, "password": factories.PASSWORD, "csrf_token": token})
    assert client.post(f"/admin/flags/{flag.id}/acknowledge", data={"note": "no token"}).status_code == 400
    inbox = client.get("/admin/flags/").get_data(as_text=True)
    token = inbox.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/admin/flags/{flag.id}/acknowledge",
                       data={"note": "with token", "csrf_token": token}).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Flag.acknowledgement_note)) == "with token"


def test_administrators_have_flags_and_jobs_in_the_menu(admin_client, leader_client):
    page = admin_client.get("/admin/flags/").get_data(as_text=True)
    assert 'href="/admin/flags/"' in page and 'href="/admin/jobs/"' in page


def test_each_flag_links_to_the_record_of_its_group_or_person(admin_client, society):
    group = factories.group(society, name="Balintgrupp Lund")
    membership = factories.member(society)
    accreditation = factories.granted_accreditation(factories.member(society).person, society)
    factories.flag(society, subject_id=group.id)
    factories.flag(society, kind="dues_lapsed", subject_type="membership", subject_id=membership.id,
                   cause="dues-2026", message="Dues unpaid.")
    factories.flag(society, kind="accreditation_expiring", subject_type="accreditation", subject_id=accreditation.id,
                   cause="expiring-90", message="Expires soon.")

    page = admin_client.get("/admin/flags/").get_data(as_text=True)
    assert f'href="/admin/groups/{group.id}"' in page
    assert f'href="/admin/members/{membership.person_id}"' in page
    assert f'href="/admin/members/{accreditation.person_id}"' in page
    assert admin_client.get(f"/admin/members/{accreditation.person_id}").status_code == 200
