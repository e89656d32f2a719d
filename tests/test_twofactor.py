"""Two-factor authentication: enrolment, the code step of log-in, recovery codes, turning it off,
the society's requirement for its administrators, the audit trail, Swedish pages."""
import json
import re
import time

import pyotp

from society.extensions import db
from society.models import AuditEvent, RecoveryCode, Society, User

from . import factories
from .factories import PASSWORD


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def code(secret: str, steps: int = 0) -> str:
    """The code of the time step ``steps`` away from now (one step either way is accepted)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def enrol(client) -> tuple[str, list[str]]:
    """Turn two-factor authentication on through the pages; the secret and the recovery codes.
    Confirms with the previous step's code so that log-in can use the current one."""
    assert client.post("/auth/two-factor/setup").headers["Location"].endswith("/auth/two-factor/confirm")
    page = client.get("/auth/two-factor/confirm").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7]+)<", page).group(1)
    done = client.post("/auth/two-factor/confirm", data={"code": code(secret, -1)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</li>", done.get_data(as_text=True))
    return secret, codes


def password_step(client, email="admin@example.org", **kw):
    return client.post("/auth/login", data={"email": email, "password": PASSWORD}, **kw)


def test_enrolment_shows_a_qr_code_and_the_key_and_needs_a_valid_code(admin_client, admin):
    assert admin_client.post("/auth/two-factor/setup").status_code == 302
    page = admin_client.get("/auth/two-factor/confirm").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7]+)<", page).group(1)
    assert 'src="data:image/svg+xml;base64,' in page  # inline: nothing fetched, allowed by img-src data:
    wrong = admin_client.post("/auth/two-factor/confirm", data={"code": "000000" if code(secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and "That code is not valid" in wrong.get_data(as_text=True)
    assert not db.session.get(User, admin.id).has_two_factor

    done = admin_client.post("/auth/two-factor/confirm", data={"code": code(secret)})
    codes = re.findall(r"<li>([0-9a-z-]{19})</li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(set(codes)) == 10
    user = db.session.get(User, admin.id)
    assert user.has_two_factor
    assert secret not in user.totp_secret  # encrypted at rest
    stored = set(db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)))
    assert len(stored) == 10 and not stored & set(codes)  # only hashes
    assert "10 recovery codes are left" in admin_client.get("/auth/two-factor").get_data(as_text=True)


def test_enrolment_is_audited_without_the_secret(admin_client, admin):
    secret, codes = enrol(admin_client)
    enabled = events("twofactor_enabled")
    assert len(enabled) == 1 and enabled[0].entity_id == admin.id and enabled[0].actor_label == admin.email
    trail = " ".join(e.changes or "" for e in db.session.scalars(db.select(AuditEvent)))
    assert secret not in trail and not any(c in trail for c in codes)
    user_updates = [json.loads(e.changes) for e in events("update") if e.entity_type == "User"]
    assert any(changes.get("totp_secret") == ["***", "***"] for changes in user_updates)


def test_log_in_asks_for_the_code_after_the_password(app, admin_client, admin):
    secret, _codes = enrol(admin_client)
    client = app.test_client()
    response = password_step(client)
    assert response.headers["Location"].endswith("/auth/login/code")
    assert "/auth/login" in client.get("/").headers["Location"]  # not logged in yet
    assert not events("login")[1:]  # only the enrolling session's log-in so far

    wrong = client.post("/auth/login/code", data={"code": "12345"})
    assert wrong.status_code == 401 and "That code is not valid" in wrong.get_data(as_text=True)
    assert len(events("twofactor_failed")) == 1

    right = client.post("/auth/login/code", data={"code": code(secret)})
    assert right.status_code == 302
    assert client.get("/auth/two-factor").status_code == 200
    login = events("login")[-1]
    assert json.loads(login.changes) == {"second_factor": "totp"}


def test_a_code_cannot_be_replayed(app, admin_client):
    secret, _codes = enrol(admin_client)
    first = app.test_client()
    password_step(first)
    assert first.post("/auth/login/code", data={"code": code(secret)}).status_code == 302
    second = app.test_client()
    password_step(second)
    assert second.post("/auth/login/code", data={"code": code(secret)}).status_code == 401


def test_a_recovery_code_works_once(app, admin_client, admin):
    _secret, codes = enrol(admin_client)
    client = app.test_client()
    password_step(client)
    response = client.post("/auth/login/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert response.status_code == 200 and "9 are left" in response.get_data(as_text=True)
    assert len(events("recovery_code_used")) == 1
    client.post("/auth/logout")
    password_step(client)
    assert client.post("/auth/login/code", data={"code": codes[3]}).status_code == 401


def test_wrong_codes_are_throttled_with_retry_after(app, admin_client):
    secret, _codes = enrol(admin_client)
    client = app.test_client()
    password_step(client)
    for _ in range(5):
        assert client.post("/auth/login/code", data={"code": "999999" if code(secret) != "999999" else "888888"}).status_code == 401
    response = client.post("/auth/login/code", data={"code": code(secret)})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 900
    assert "Too many wrong codes" in response.get_data(as_text=True)


def test_turning_it_off_needs_the_password_or_a_code(admin_client, admin):
    secret, _codes = enrol(admin_client)
    admin_client.post("/auth/two-factor/disable", data={"password": "not my password"})
    assert db.session.get(User, admin.id).has_two_factor
    admin_client.post("/auth/two-factor/disable", data={"password": PASSWORD})
    user = db.session.get(User, admin.id)
    assert not user.has_two_factor and user.totp_secret is None
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
    assert len(events("twofactor_disabled")) == 1

    secret, _codes = enrol(admin_client)
    admin_client.post("/auth/two-factor/disable", data={"code": code(secret)})
    assert not db.session.get(User, admin.id).has_two_factor


def test_new_recovery_codes_replace_the_old_ones(app, admin_client):
    secret, old = enrol(admin_client)
    page = admin_client.post("/auth/two-factor/recovery-codes", data={"code": code(secret)}).get_data(as_text=True)
    new = re.findall(r"<li>([0-9a-z-]{19})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client = app.test_client()
    password_step(client)
    assert client.post("/auth/login/code", data={"code": old[0]}).status_code == 401
    assert client.post("/auth/login/code", data={"code": new[0]}).status_code == 302


def test_the_society_can_require_it_of_its_administrators(app, admin_client, admin, leader_client):
    response = admin_client.post("/admin/settings", data={"require_admin_2fa": "y"})
    assert response.status_code == 302
    society = db.session.get(Society, admin.society_id)
    assert society.require_admin_2fa
    change = [e for e in events("update") if e.entity_type == "Society"][-1]
    assert json.loads(change.changes)["require_admin_2fa"] == [False, True]

    # Nothing else is reachable until enrolled, the enrolment pages and log-out are.
    assert admin_client.get("/admin/").headers["Location"].endswith("/auth/two-factor")
    assert admin_client.get("/admin/members/").headers["Location"].endswith("/auth/two-factor")
    assert admin_client.get("/admin/flags/", headers={"Accept": "application/json"}).status_code == 403
    assert "requires administrators" in admin_client.get("/auth/two-factor").get_data(as_text=True)
    assert leader_client.get("/portal/progress").status_code != 302  # leaders are not concerned

    # A fresh log-in lands on the enrolment page too; once enrolled, everything is back.
    other = app.test_client()
    factories.log_in(other, admin.email)
    assert other.get("/").status_code == 302 and other.get("/admin/").headers["Location"].endswith("/auth/two-factor")
    enrol(other)
    assert other.get("/admin/").status_code == 200


def test_the_setting_is_off_by_default_and_can_be_turned_off(admin_client, admin):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'name="require_admin_2fa"' in page and "checked" not in page
    db.session.get(Society, admin.society_id).require_admin_2fa = True
    enrol(admin_client)
    admin_client.post("/admin/settings", data={})
    assert not db.session.get(Society, admin.society_id).require_admin_2fa


def test_the_pages_speak_swedish(app, admin_client):
    admin_client.post("/language", data={"lang": "sv", "next": "/"})
    status = admin_client.get("/auth/two-factor").get_data(as_text=True)
    assert "Tvåfaktorsautentisering" in status
    secret, _codes = enrol(admin_client)
    assert "Återställningskoder" in admin_client.post(
        "/auth/two-factor/recovery-codes", data={"code": code(secret)}).get_data(as_text=True)
    settings = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "tvåfaktorsautentisering" in settings

    client = app.test_client()
    client.post("/language", data={"lang": "sv", "next": "/"})
    password_step(client)
    page = client.get("/auth/login/code").get_data(as_text=True)
    assert "Ange den sexsiffriga koden" in page


def test_the_code_step_keeps_where_the_user_was_going_and_its_form_carries_csrf(csrf_app, admin_client):
    secret, _codes = enrol(admin_client)
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/auth/login").get_data(as_text=True)).group(1)
    client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD, "next": "/auth/password",
                                      "csrf_token": token})
    page = client.get("/auth/login/code").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/auth/login/code", data={"code": code(secret)}).status_code == 400  # no token
    done = client.post("/auth/login/code", data={"code": code(secret), "csrf_token": token})
    assert done.headers["Location"] == "/auth/password"


def test_secrets_survive_a_key_change_through_the_fallbacks(db_url, storage_dir, admin_client, admin):
    from society.services.platform import twofactor

    from .conftest import TEST_SECRET, make_app

    secret, _codes = enrol(admin_client)
    user = db.session.get(User, admin.id)
    new_key = "another-secret-key-that-is-long-enough-for-production"
    with make_app(db_url, storage_dir, SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[TEST_SECRET]).app_context():
        assert twofactor.secret_of(user) == secret
    with make_app(db_url, storage_dir, SECRET_KEY=new_key).app_context():
        assert twofactor.secret_of(user) is None
