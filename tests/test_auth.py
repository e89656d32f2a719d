"""Log-in, log-out, sessions that end when they should, passwords, throttling, CSRF."""
import re

import pytest

from society import create_app
from society.extensions import db
from society.models import AuditEvent, User
from society.services.platform import accounts
from society.services.errors import InvalidInput

from . import factories
from .factories import PASSWORD


def audit_actions(action: str) -> int:
    return db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_login_page_is_served_and_admin_logs_in(client, admin):
    page = client.get("/auth/login")
    assert page.status_code == 200 and b'name="email"' in page.data
    response = client.post("/auth/login", data={"email": "ADMIN@example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert audit_actions("login") == 1


def test_wrong_password_is_refused_with_a_message_and_the_email_kept(client, admin):
    response = client.post("/auth/login", data={"email": "admin@example.org", "password": "not the password"})
    assert response.status_code == 401
    assert b"E-mail or password is wrong" in response.data
    assert b'value="admin@example.org"' in response.data
    assert audit_actions("login_failed") == 1


def test_missing_fields_are_named_next_to_the_form(client):
    response = client.post("/auth/login", data={"email": "not-an-email"})
    assert response.status_code == 422
    assert b"Enter your password." in response.data
    assert b"Not a valid email address." in response.data


def test_pages_need_log_in_and_redirect_there(client):
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_cookie_replayed_after_log_out_is_refused(app, admin):
    client = app.test_client()
    factories.log_in(client, admin.email)
    stolen = client.get_cookie("session").value
    assert client.post("/auth/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_password_change_ends_other_sessions_but_keeps_this_one(app, admin):
    other, this = app.test_client(), app.test_client()
    factories.log_in(other, admin.email)
    factories.log_in(this, admin.email)
    response = this.post("/auth/password", data={"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert this.get("/").status_code in (200, 302) and "/auth/login" not in this.get("/").headers.get("Location", "")
    assert "/auth/login" in other.get("/").headers["Location"]


def test_disabling_an_account_ends_its_sessions(app, admin):
    client = app.test_client()
    factories.log_in(client, admin.email)
    user = db.session.get(User, admin.id)
    accounts.set_enabled(user, False)
    db.session.commit()
    assert "/auth/login" in client.get("/").headers["Location"]
    response = app.test_client().post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 401


def test_passwords_are_hashed_with_argon2id(admin):
    user = accounts.create_user("new@example.org", "a long enough passphrase", "leader")
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough passphrase" not in user.password_hash


def test_passwords_are_hashed_at_production_strength_unless_configured_otherwise(tmp_path, monkeypatch):
    """The suite's cheap argon2 parameters are a test setting; a server left at the defaults
    hashes with time cost 3, 64 MiB and 4 lanes, and production refuses weaker settings."""
    for name in ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)
    server = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s" * 40,
                         "STORAGE_DIR": str(tmp_path)})
    with server.app_context():
        assert accounts.hash_password("a long enough passphrase").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("SOCIETY_ENV", "production")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    with pytest.raises(RuntimeError, match="PASSWORD_HASH"):
        create_app({"SECRET_KEY": "s" * 40, "STORAGE_DIR": str(tmp_path)})


def test_a_log_in_under_other_parameters_rehashes_the_password(app, admin):
    """Raising the cost in the settings upgrades each account's hash at its next log-in."""
    before = db.session.get(User, admin.id).password_hash
    app.config["PASSWORD_HASH_TIME_COST"] = 2
    try:
        response = app.test_client().post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    finally:
        app.config["PASSWORD_HASH_TIME_COST"] = 1
    assert response.status_code == 302
    after = db.session.get(User, admin.id).password_hash
    assert ",t=1," in before and ",t=2," in after


@pytest.mark.parametrize("password", ["wxyzplum", "x" * 64, "ünïcödé pässwörd", "12 chars ok!"])
def test_password_policy_accepts_8_to_64_characters_without_class_rules(password):
    accounts.check_password_policy(password)


@pytest.mark.parametrize("password,message", [
    ("short", "at least 8"), ("password123", "most common"), ("Qwertyuiop", "most common"), ("x" * 129, "at most"),
])
def test_password_policy_refuses_short_common_and_huge_passwords(password, message):
    with pytest.raises(InvalidInput, match=message):
        accounts.check_password_policy(password)


def test_log_in_is_throttled_across_workers_after_repeated_failures(db_url, storage_dir, admin):
    """Two app instances stand for two workers: failures counted by one stop the other."""

    from .conftest import make_app

    worker_a = make_app(db_url, storage_dir).test_client()
    worker_b = make_app(db_url, storage_dir).test_client()
    for attempt in range(5):
        worker = worker_a if attempt % 2 else worker_b
        assert worker.post("/auth/login", data={"email": admin.email, "password": "wrong guess"}).status_code == 401
    response = worker_a.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.data


def test_next_parameter_cannot_redirect_off_site(client, admin):
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD, "next": "/auth/password"})
    assert response.headers["Location"] == "/auth/password"


def test_post_without_csrf_token_is_refused(csrf_app, admin):
    client = csrf_app.test_client()
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/auth/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_logout_needs_post(client, admin):
    factories.log_in(client, admin.email)
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code != 302 or "/auth/login" not in client.get("/").headers.get("Location", "")
