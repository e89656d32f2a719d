"""What an operator meets: health checks, a database outage, production settings."""
import os

import pytest

from society import config, create_app

STRONG = "kq3-Zp9vT_w2LxR8bN4mYc7HdJ6fGs1aEu5o"


@pytest.mark.parametrize("secret", ["k" * 40, " " * 48, "ab" * 24, "changeme"])
def test_production_refuses_a_secret_that_is_not_random(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("SOCIETY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="too weak"):
        config.load(str(tmp_path))


def test_production_refuses_the_debugger(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIETY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="FLASK_DEBUG"):
        config.load(str(tmp_path))
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert config.load(str(tmp_path))["SESSION_COOKIE_SECURE"] is True


def test_only_a_server_databases_pooled_connections_are_checked_before_use(monkeypatch, tmp_path):
    # A PostgreSQL connection can drop while pooled (a restart: the test below); a SQLite file's cannot,
    # and a check would be one more statement before every read.
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://registry@db.example/registry")
    assert config.load(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/registry.db")
    assert config.load(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": False}


def test_health_reports_the_database_and_the_storage(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "storage": "ok"}


def test_health_is_503_when_the_storage_folder_cannot_be_written(app, client, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    previous = app.config["STORAGE_DIR"]
    app.config["STORAGE_DIR"] = str(blocked / "storage")
    try:
        response = client.get("/healthz")
    finally:
        app.config["STORAGE_DIR"] = previous
    assert response.status_code == 503
    assert response.json["storage"] == "down" and response.json["database"] == "ok"
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def app_without_database(tmp_path):
    """A real application whose database server is not there (nothing listens on the port)."""
    app = create_app({"TESTING": True, "SECRET_KEY": STRONG, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://society@127.0.0.1:9/none?connect_timeout=2",
                      "STORAGE_DIR": str(tmp_path / "storage"), "RATELIMIT_ENABLED": False})
    return app


def test_health_is_503_when_the_database_is_down(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "down", "storage": "ok"}


def test_a_page_during_a_database_outage_is_503_with_retry_after(app_without_database):
    client = app_without_database.test_client()
    page = client.post("/auth/login", data={"email": "someone@example.org", "password": "whatever-it-is"})
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert "try again" in page.get_data(as_text=True)
    api = client.get("/api/v1/groups")
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert int(api.headers["Retry-After"]) > 0


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("PG_OUTAGE_CTL"), reason="needs the throw-away PostgreSQL servers of make test")
def test_a_database_restart_answers_503_with_retry_after_and_recovers_by_itself(storage_dir):
    """A real outage: a PostgreSQL server is stopped, then started again. It is a server of its own
    (scripts/with-postgres), as the suite's tests run beside this one on theirs."""
    import shlex
    import subprocess

    from flask_migrate import upgrade

    from .conftest import make_app

    app = make_app(os.environ["OUTAGE_DATABASE_URL"], storage_dir)
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    control = shlex.split(os.environ["PG_OUTAGE_CTL"])
    subprocess.run([*control, "-m", "fast", "stop"], check=True, capture_output=True)
    try:
        down = client.get("/healthz")
        page = client.post("/auth/login", data={"email": "someone@example.org", "password": "whatever-it-is"})
        api = client.get("/api/v1/societies")
    finally:
        subprocess.run([*control, "start"], check=True, capture_output=True)
    assert down.status_code == 503 and down.json["database"] == "down"
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert client.get("/healthz").status_code == 200  # the pool reconnects by itself
    assert client.get("/api/v1/societies").status_code == 200
