"""Every route declares who may reach it; the rest of the app fails closed."""
from flask import Blueprint

from society.access import PUBLIC, roles_required, rule_for

from .conftest import make_app
from . import factories

# Routes anyone may open, with the reason; everything else needs a log-in.
EXPECTED_PUBLIC_PREFIXES = ("auth.login", "auth.request_reset", "auth.reset_password", "auth.accept_invitation", "home.set_language", "home.health", "home.favicon", "static", "bootstrap.", "api-docs.", "verify", "directory.", "certificates.verify", "finder.", "membership.unsubscribe")


def test_every_route_declares_its_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static") or rule.endpoint.startswith("bootstrap"):
            continue
        view = app.view_functions[rule.endpoint]
        if rule_for(rule.endpoint, view) is None:
            missing.append(rule.endpoint)
    assert missing == []


def test_public_routes_are_only_the_intended_ones(app):
    public = [r.endpoint for r in app.url_map.iter_rules()
              if rule_for(r.endpoint, app.view_functions[r.endpoint]) == (PUBLIC,)]
    unexpected = [e for e in public if not e.startswith(EXPECTED_PUBLIC_PREFIXES)]
    assert unexpected == []


def test_a_route_without_a_rule_is_refused(db_url, storage_dir):
    app = make_app(db_url, storage_dir)
    undeclared = Blueprint("undeclared", __name__)
    undeclared.add_url_rule("/undeclared", "page", lambda: "secret")
    app.register_blueprint(undeclared)
    assert app.test_client().get("/undeclared").status_code == 403


def test_role_rule_refuses_other_roles(db_url, storage_dir, society):
    app = make_app(db_url, storage_dir)
    admin_only = Blueprint("admin_only", __name__)
    admin_only.add_url_rule("/admin-only", "page", roles_required("admin")(lambda: "for admins"))
    app.register_blueprint(admin_only)
    person = factories.person()
    leader = factories.user(role="leader", person=person)
    admin = factories.user(role="admin", society=society)
    from society.extensions import db

    db.session.commit()
    as_leader, as_admin = app.test_client(), app.test_client()
    factories.log_in(as_leader, leader.email)
    factories.log_in(as_admin, admin.email)
    assert as_leader.get("/admin-only").status_code == 403
    assert as_admin.get("/admin-only").data == b"for admins"
    assert app.test_client().get("/admin-only").status_code == 302


def test_security_headers_are_set(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_samesite(client, admin):
    response = client.post("/auth/login", data={"email": admin.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_a_weak_or_missing_secret(monkeypatch, tmp_path):
    import pytest

    from society import config

    monkeypatch.setenv("SOCIETY_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        config.load(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(RuntimeError, match="too weak"):
        config.load(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "kq3-Zp9vT_w2LxR8bN4mYc7HdJ6fGs1aEu5o")
    settings = config.load(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is True
