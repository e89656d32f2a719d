"""Log-in throttling that cannot lock the owner out, and the client address behind a proxy."""
from society.extensions import db
from society.models import AuditEvent

from .conftest import make_app
from .factories import PASSWORD

A, B, C = "198.51.100.1", "198.51.100.2", "198.51.100.3"


def attempt(client, email, password, address):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def failed_from() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.ip).where(AuditEvent.action == "login_failed")))


def test_wrong_guesses_lock_the_address_and_account_not_the_owners_browser(app, admin):
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert attempt(stranger, admin.email, "wrong guess", A).status_code == 401
    locked = attempt(stranger, admin.email, PASSWORD, A)
    assert locked.status_code == 429
    assert 840 <= int(locked.headers["Retry-After"]) <= 900
    assert "Too many failed log-ins for this account" in locked.get_data(as_text=True)
    assert "15 minutes" in locked.get_data(as_text=True)
    assert failed_from() == [A] * 5  # refused attempts are not counted: the lock does not grow

    assert attempt(owner, admin.email, PASSWORD, B).status_code == 302
    assert owner.get("/auth/password", environ_base={"REMOTE_ADDR": B}).status_code == 200


def test_spraying_many_accounts_from_one_address_is_stopped(app, monkeypatch, admin):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 8)
    sprayer = app.test_client()
    for n in range(8):
        assert attempt(sprayer, f"someone{n}@example.org", "Summer2026!", A).status_code == 401
    stopped = attempt(sprayer, admin.email, "Summer2026!", A)
    assert stopped.status_code == 429 and int(stopped.headers["Retry-After"]) > 0
    assert "from this address" in stopped.get_data(as_text=True)
    assert attempt(app.test_client(), admin.email, PASSWORD, B).status_code == 302


def test_one_account_guessed_from_many_addresses_spares_the_owners_known_address(app, monkeypatch, admin):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 6)
    owner = app.test_client()
    assert attempt(owner, admin.email, PASSWORD, C).status_code == 302  # the owner's own browser
    owner.post("/auth/logout")
    botnet = app.test_client()
    for n in range(6):
        assert attempt(botnet, admin.email, "wrong guess", f"203.0.113.{n + 1}").status_code == 401
    assert attempt(botnet, admin.email, PASSWORD, "203.0.113.99").status_code == 429
    assert attempt(owner, admin.email, PASSWORD, C).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(db_url, storage_dir, admin):
    proxied = make_app(db_url, storage_dir, TRUSTED_PROXIES=1)
    client = proxied.test_client()
    for _ in range(5):
        response = client.post("/auth/login", data={"email": admin.email, "password": "wrong guess"},
                               headers={"X-Forwarded-For": "203.0.113.7"})
        assert response.status_code == 401
    assert failed_from() == ["203.0.113.7"] * 5
    again = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.7"})
    assert again.status_code == 429
    other = proxied.test_client().post("/auth/login", data={"email": admin.email, "password": PASSWORD},
                                       headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 302
    login = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "login"))
    assert login.ip == "203.0.113.8"


def test_without_trusted_proxies_the_header_is_ignored(client, admin):
    for _ in range(5):
        client.post("/auth/login", data={"email": admin.email, "password": "wrong guess"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
    assert failed_from() == ["127.0.0.1"] * 5
    # A forged header does not get around the lock either.
    response = client.post("/auth/login", data={"email": admin.email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 429


def test_a_trusted_proxy_gives_the_rate_limiter_the_forwarded_address(db_url, storage_dir):
    proxied = make_app(db_url, storage_dir, TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute",
                       API_FRONT_CACHE=False)
    client = proxied.test_client()
    for _ in range(2):
        assert client.get("/api/v1/societies", headers={"X-Forwarded-For": "203.0.113.20"}).status_code == 200
    assert client.get("/api/v1/societies", headers={"X-Forwarded-For": "203.0.113.20"}).status_code == 429
    assert client.get("/api/v1/societies", headers={"X-Forwarded-For": "203.0.113.21"}).status_code == 200


def test_audit_rows_of_a_logged_in_user_carry_the_forwarded_address(db_url, storage_dir, admin):
    proxied = make_app(db_url, storage_dir, TRUSTED_PROXIES=1)
    client = proxied.test_client()
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.30"})
    client.post("/auth/logout", headers={"X-Forwarded-For": "203.0.113.30"})
    logout = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "logout"))
    assert logout.ip == "203.0.113.30"
