"""Logins for every role: invitations from the member's record and the CLI, password reset,
disabling logins, and the password rules, with e-mail through a real SMTP server (aiosmtpd)."""
import re
from datetime import timedelta

from society.extensions import db
from society.models import AccountToken, AuditEvent, User
from society.models._base import utcnow

from . import factories
from .factories import PASSWORD
from .mailbox import free_port, mail_on, smtp_server  # noqa: F401 - fixtures

NEW_PASSWORD = "a walk along the river bank"


def link_in(message, kind: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"https?://\S+(/auth/{kind}/\S+)", text).group(1)


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def set_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "password_confirm": password})


def test_admin_invites_a_member_who_sets_a_password_and_logs_in_with_the_role(app, admin_client, society, mail_on):
    person = factories.member_person(society, given_name="Ina", family_name="Vited", email="Ina@Example.org",
                                     language="en")
    record = admin_client.get(f"/admin/members/{person.id}").get_data(as_text=True)
    assert 'id="invite-form"' in record
    response = admin_client.post(f"/admin/members/{person.id}/login/invite", data={"role": "leader"})
    assert response.status_code == 302
    assert "Invitation sent to ina@example.org" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert mail_on.recipients() == ["ina@example.org"]
    path = link_in(mail_on.messages[0], "invitation")

    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    assert visitor.post("/auth/login", data={"email": "ina@example.org", "password": NEW_PASSWORD}).status_code == 401
    response = set_password(visitor, path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    factories.log_in(visitor, "ina@example.org", NEW_PASSWORD)
    user = db.session.scalar(db.select(User).where(User.email == "ina@example.org"))
    assert (user.role, user.person_id, user.society_id) == ("leader", person.id, society.id)

    again = app.test_client().get(path)
    assert again.status_code == 410 and b"expired or has been used" in again.data
    assert set_password(app.test_client(), path, "another fine passphrase").status_code == 410
    assert {"invitation_sent", "invitation_accepted"} <= set(actions())
    token_hash = db.session.scalar(db.select(AccountToken.token_hash))
    trail = " ".join(c or "" for c in db.session.scalars(db.select(AuditEvent.changes)))
    assert token_hash not in trail and path.rsplit("/", 1)[1] not in trail and NEW_PASSWORD not in trail


def test_an_expired_invitation_is_refused(app, admin_client, society, mail_on):
    person = factories.member_person(society, email="late@example.org")
    admin_client.post(f"/admin/members/{person.id}/login/invite", data={"role": "member"})
    path = link_in(mail_on.messages[0], "invitation")
    token = db.session.scalar(db.select(AccountToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert app.test_client().get(path).status_code == 410
    assert set_password(app.test_client(), path).status_code == 410


def test_invitation_expires_after_the_setting(admin_client, society, mail_on, app):
    person = factories.member_person(society, email="hours@example.org")
    admin_client.post(f"/admin/members/{person.id}/login/invite", data={"role": "member"})
    token = db.session.scalar(db.select(AccountToken))
    lifetime = token.expires_at.replace(tzinfo=None) - token.created_at.replace(tzinfo=None)
    assert lifetime == timedelta(hours=app.config["INVITATION_HOURS"]) == timedelta(hours=48)


def test_an_admin_cannot_invite_a_member_of_another_society(admin_client, mail_on):
    elsewhere = factories.society(code="OTH", name="Other society")
    person = factories.member_person(elsewhere, email="other@example.org")
    assert admin_client.post(f"/admin/members/{person.id}/login/invite", data={"role": "admin"}).status_code == 404
    assert mail_on.messages == [] and db.session.scalar(db.select(User).where(User.email == "other@example.org")) is None


def test_a_person_has_one_login(admin_client, society, leader, mail_on):
    person = leader.person
    response = admin_client.post(f"/admin/members/{person.id}/login/invite", data={"role": "member"}, follow_redirects=True)
    assert "has a login already" in response.get_data(as_text=True)
    assert mail_on.messages == []


def test_reset_gives_the_same_answer_for_known_and_unknown_addresses(app, leader, mail_on):
    known = app.test_client().post("/auth/reset", data={"email": "leader@example.org"})
    unknown = app.test_client().post("/auth/reset", data={"email": "nobody@example.org"})
    strip = lambda r: r.get_data(as_text=True).replace("leader@example.org", "X").replace("nobody@example.org", "X")  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert mail_on.recipients() == ["leader@example.org", "nobody@example.org"]  # one e-mail each, so the same work
    assert db.session.scalar(db.select(db.func.count(AccountToken.id))) == 1
    assert actions().count("password_reset_requested") == 2


def test_a_reset_link_sets_the_password_once_and_ends_other_sessions(app, leader, mail_on):
    other = app.test_client()
    factories.log_in(other, leader.email)
    app.test_client().post("/auth/reset", data={"email": "LEADER@example.org"})
    path = link_in(mail_on.messages[0], "reset")
    visitor = app.test_client()
    assert set_password(visitor, path).status_code == 302
    assert "/auth/login" in other.get("/").headers["Location"]  # the earlier session has ended
    assert app.test_client().post("/auth/login", data={"email": leader.email, "password": PASSWORD}).status_code == 401
    factories.log_in(visitor, leader.email, NEW_PASSWORD)
    assert set_password(app.test_client(), path, "yet another passphrase").status_code == 410
    assert "password_reset" in actions()


def test_reset_requests_are_capped_per_address_with_the_same_answer(app, leader, mail_on):
    answers = {app.test_client().post("/auth/reset", data={"email": leader.email}).status_code for _ in range(5)}
    assert answers == {200}
    assert len(mail_on.messages) == app.config["RESET_MAX_PER_HOUR"] == 3


def test_admin_disables_and_enables_a_login_from_the_record(app, admin_client, leader):
    session = app.test_client()
    factories.log_in(session, leader.email)
    person_id = leader.person_id
    assert admin_client.post(f"/admin/members/{person_id}/login/disable").status_code == 302
    assert "/auth/login" in session.get("/").headers["Location"]
    assert app.test_client().post("/auth/login", data={"email": leader.email, "password": PASSWORD}).status_code == 401
    assert 'id="enable-login"' in admin_client.get(f"/admin/members/{person_id}").get_data(as_text=True)
    assert admin_client.post(f"/admin/members/{person_id}/login/enable").status_code == 302
    factories.log_in(app.test_client(), leader.email)
    assert ["login_disabled", "login_enabled"] == [a for a in actions() if a.startswith("login_") and a != "login_failed"]


def test_a_disabled_login_cannot_reset_its_password(app, admin_client, leader, mail_on):
    admin_client.post(f"/admin/members/{leader.person_id}/login/disable")
    app.test_client().post("/auth/reset", data={"email": leader.email})
    assert "/auth/reset/" not in mail_on.messages[0].get_body(preferencelist=("plain",)).get_content()


def test_an_admin_cannot_disable_their_own_login(app, society):
    person = factories.member_person(society, email="self@example.org")
    admin = factories.user(role="admin", society=society, person=person, email="self@example.org")
    db.session.commit()
    client = app.test_client()
    factories.log_in(client, admin.email)
    response = client.post(f"/admin/members/{person.id}/login/disable", follow_redirects=True)
    assert "cannot disable your own login" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).is_enabled


def test_cli_invites_a_person_in_the_registry(app, runner, society, mail_on):
    factories.member_person(society, email="cli@example.org")
    db.session.commit()
    result = runner.invoke(args=["invite", "cli@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "Invitation sent" in result.output and mail_on.recipients() == ["cli@example.org"]
    user = db.session.scalar(db.select(User).where(User.email == "cli@example.org"))
    assert (user.role, user.society_id) == ("admin", society.id)
    missing = runner.invoke(args=["invite", "nobody@example.org", "--role", "leader"])
    assert missing.exit_code != 0 and "No one in the registry" in missing.output


def test_a_common_password_is_refused_beside_the_field_on_every_form(app, admin_client, leader, mail_on):
    changed = admin_client.post("/auth/password", data={"current_password": PASSWORD, "new_password": "iloveyou2"})
    assert changed.status_code == 422
    assert re.search(r'id="f-new_password".*?invalid-feedback[^>]*>[^<]*most common', changed.get_data(as_text=True), re.S)
    app.test_client().post("/auth/reset", data={"email": leader.email})
    path = link_in(mail_on.messages[0], "reset")
    refused = set_password(app.test_client(), path, "princess1")
    assert refused.status_code == 422
    assert re.search(r'id="f-password".*?invalid-feedback[^>]*>[^<]*most common', refused.get_data(as_text=True), re.S)
    own = set_password(app.test_client(), path, "leader@example.org")
    assert own.status_code == 422 and "your e-mail address" in own.get_data(as_text=True)
    assert set_password(app.test_client(), path).status_code == 302  # the refusals did not use the link up


def test_the_common_password_list_holds_tens_of_thousands():
    from society.services.platform import accounts

    assert len(accounts._common_passwords()) > 25000
    assert "trustno1" in accounts._common_passwords()


def test_swedish_wording_of_the_reset_page_and_mail(app, leader, mail_on):
    client = app.test_client()
    page = client.get("/auth/reset", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Glömt lösenord" in page
    client.post("/auth/reset", data={"email": leader.email}, headers={"Accept-Language": "sv"})
    assert "lösenord" in mail_on.messages[0]["Subject"]


def test_the_invitation_is_in_the_members_language_and_refusals_in_swedish(app, admin_client, society, mail_on):
    person = factories.member_person(society, email="sv@example.se", language="sv")
    admin_client.post(f"/admin/members/{person.id}/login/invite", data={"role": "member"})
    message = mail_on.messages[0]
    assert "Din inloggning till registret" in message["Subject"]
    assert "Följ länken för att välja ditt lösenord" in message.get_body(preferencelist=("plain",)).get_content()
    path = link_in(message, "invitation")
    refused = app.test_client().post(path, data={"password": "princess1", "password_confirm": "princess1"},
                                     headers={"Accept-Language": "sv"})
    assert refused.status_code == 422 and "vanligaste" in refused.get_data(as_text=True)
