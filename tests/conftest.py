"""Fixtures: one app and one schema per test session, a clean database for every test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set
(``make test`` does both). The schema is built by the migrations themselves, so every
test also exercises them.
"""
import os
import shutil
import threading

import pytest
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from society import create_app
from society.extensions import db, limiter

from . import factories

TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-checks"
# argon2id at its cheapest: a log-in costs well under a millisecond instead of 0.17 s, and a few
# hundred tests log in. Production's cost is tested in test_auth.py.
CHEAP_PASSWORD_HASH = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1}


def pytest_configure(config):
    """Import WeasyPrint once, before any test: its import loads system libraries and may warn
    about a missing optional one. Imported lazily, it happened inside whichever test first
    needed it, under that test's warning filters and time limits, so the outcome depended on
    test order and machine load."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
        import weasyprint  # noqa: F401


ON_POSTGRESQL = bool(os.environ.get("TEST_DATABASE_URL"))

# A page's width, its accessibility and the language of its words come from its HTML and CSS: the
# database behind it does not change them. The walks that check only these (a page after page, minutes of
# Chromium and axe-core) run once, on SQLite; each page's queries run on both databases in its own tests.
markup_only = pytest.mark.skipif(
    ON_POSTGRESQL, reason="checks HTML and CSS only, which the database does not change: runs on SQLite")
# The rule evaluator is a pure function: its property tests (thousands of generated ledgers) touch no
# database, so a second run on PostgreSQL would repeat the same computation. They run once, on SQLite.
database_free = pytest.mark.skipif(
    ON_POSTGRESQL, reason="a pure function's properties, no database takes part: runs on SQLite")
# A browser journey drives pages as a person does: what the browser adds to the test client's requests
# (scripts, real forms with their CSRF tokens, cookies, downloads) does not depend on the database, and
# each step's server side runs on both databases in its own test-client tests. Chromium is over a third of
# make test's CPU, so the journeys run once, on SQLite (the embedded default that `make run` serves).
browser_journey = pytest.mark.skipif(
    ON_POSTGRESQL, reason="a browser journey: the browser's part does not depend on the database, whose part "
                          "runs on both in the test-client tests: runs on SQLite")


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return worker_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.db'}"  # each xdist worker has its own tmp


def worker_database(url: str) -> str:
    """The PostgreSQL database of this xdist worker: workers run side by side on one server, and each
    one empties and rebuilds its schema. A run without workers uses the server's database as it is."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    return empty_postgresql_database(url, f"{make_url(url).database}_{worker}")


def empty_postgresql_database(url: str, name: str) -> str:
    """The address of a new, empty database ``name`` on ``url``'s server (dropped first if it is there)."""
    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def settings_for(url: str, storage, **overrides) -> dict:
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": TEST_SECRET,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_ENABLED": False,
        "STORAGE_DIR": str(storage),
        "SCHEDULER_IN_PROCESS": False,
        **CHEAP_PASSWORD_HASH,
    }
    settings.update(overrides)
    return settings


class CommittingClient(FlaskClient):
    """A test client for tests that hold an app context of their own.

    Flask reuses the test's app context for each request, so the request shares the
    test's ``g`` and database session. Before each request the client commits what the
    test created and forgets the user Flask-Login and the locale Flask-Babel cached in
    ``g`` (each request must load its user from its own cookie and choose its own
    language); afterwards it expires the session so the test reads what the request wrote."""

    def open(self, *args, **kwargs):
        db.session.commit()
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)
        try:
            return super().open(*args, **kwargs)
        finally:
            g.pop("_login_user", None)
            g.pop("_flask_babel", None)
            db.session.expire_all()


_made_apps = []  # apps built by tests: their connection pools are closed after each test


def make_app(url: str, storage, **overrides):
    app = create_app(settings_for(url, storage, **overrides))
    app.test_client_class = CommittingClient
    _made_apps.append(app)
    return app


def dispose_engine(app) -> None:
    # An engine left to the garbage collector closes its PostgreSQL connections with a
    # ResourceWarning, which fails whichever test happens to be running at that moment.
    with app.app_context():
        db.engine.dispose()


def reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            connection.execute(text("DROP TABLE IF EXISTS people_search"))  # migration 0002, outside the models


def wipe_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            _wipe_postgresql(connection, tables)
        else:
            for table in tables:
                connection.execute(table.delete())


def _wipe_postgresql(connection, tables) -> None:
    """Empty the tables a test wrote to and restart the ids it used, as TRUNCATE ... RESTART
    IDENTITY of every table did. TRUNCATE costs a new file per table (30 tables: 100 to 180 ms
    per test, a third of the PostgreSQL run); a test touches a few, and DELETE of a few rows is cheap."""
    # Two round trips whatever the test wrote: which tables hold rows and which sequences were used,
    # then every DELETE and reset in one batch (names from the metadata and the catalogue, not input).
    found = connection.execute(text(" UNION ALL ".join(
        [f"SELECT 'table', '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})" for t in tables]
        + ["SELECT 'sequence', schemaname || '.' || sequencename FROM pg_sequences "
           "WHERE schemaname = current_schema() AND last_value IS NOT NULL"]))).all()
    holding = {name for kind, name in found if kind == "table"}
    statements = [f"DELETE FROM {t.name}" for t in tables if t.name in holding]  # children first
    statements += [f"SELECT setval('{name}', 1, false)" for kind, name in found if kind == "sequence"]
    if statements:
        connection.exec_driver_sql("; ".join(statements))


@pytest.fixture(scope="session")
def db_url(tmp_path_factory):
    return database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def storage_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("storage")


@pytest.fixture(scope="session")
def app(db_url, storage_dir):
    app = make_app(db_url, storage_dir)
    with app.app_context():
        reset_schema()
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Each test runs inside an app context and leaves no rows behind."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
    while _made_apps:
        made = _made_apps.pop()
        if made is not app:
            dispose_engine(made)
    with app.app_context():
        wipe_all_tables()
        if limiter.initialized:  # one test's requests never count against the next one's limits
            limiter.reset()
    shutil.rmtree(app.config["STORAGE_DIR"], ignore_errors=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf_app(db_url, storage_dir):
    """The same database behind an app with CSRF protection on, as in production."""
    return make_app(db_url, storage_dir, WTF_CSRF_ENABLED=True)


# -- people who log in ---------------------------------------------------------

@pytest.fixture
def society():
    return factories.society()


@pytest.fixture
def admin(society):
    user = factories.user(role="admin", society=society, email="admin@example.org")
    db.session.commit()
    return user


@pytest.fixture
def leader(society):
    person = factories.person(given_name="Lena", family_name="Leader", email="lena@example.org")
    factories.membership(person, society)
    user = factories.user(role="leader", person=person, email="leader@example.org")
    db.session.commit()
    return user


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    factories.log_in(client, admin.email)
    return client


@pytest.fixture
def leader_client(app, leader):
    client = app.test_client()
    factories.log_in(client, leader.email)
    return client


# -- a real server and a real browser -------------------------------------------

class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(db_url, storage_dir, app):
    """The app served over HTTP with CSRF on, for the browser tests."""
    server_app = create_app(settings_for(db_url, storage_dir, WTF_CSRF_ENABLED=True))
    server = LiveServer(server_app).start()
    yield server
    server.stop()
    dispose_engine(server_app)


CHROMIUM = "/usr/bin/chromium"
# How long a browser step may wait: a page that renders a PDF or walks the demo data takes well under a
# second on a quiet machine, but make test runs four workers on two cores beside PostgreSQL and Chromium.
BROWSER_TIMEOUT_MS = 30000


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium) but missing.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)  # retrying assertions wait as long as a page's steps
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield page
    context.close()
