"""The Balint society registry.

``create_app`` only wires things up: configuration, extensions, blueprints, CLI
commands and error handlers. It runs no queries, migrations or threads, so any
number of workers can import it; the scheduler is its own process.
"""
from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from . import access, config, errors, formatting, static_files
from . import api as public_api
from .database import declare_write_intent, reset_write_intent
from .extensions import api as openapi
from .extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path, overrides))
    configure_input_limits(app)
    configure_extensions(app)
    configure_request_hooks(app)
    configure_form_submissions(app)
    configure_blueprints(app)
    static_files.init_app(app)
    formatting.register(app)
    errors.register(app)
    configure_cli(app)
    trust_proxies(app)
    if app.config["SCHEDULER_IN_PROCESS"]:
        from .scheduler import start_in_process_scheduler

        start_in_process_scheduler(app)
    return app


def configure_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers every table on the metadata)
    from .services.platform import audit  # noqa: F401  (registers the audit flush hooks)
    from .services.platform import webhook_sources  # noqa: F401  (writes webhook events with their changes)
    from .services.groups import summaries  # noqa: F401  (rewrites the directory's summaries with their changes)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    openapi.init_app(app)
    public_api.init_app(app)


@login_manager.user_loader
def load_user(session_token: str):
    from .services.platform.accounts import load_by_session_token

    return load_by_session_token(session_token)


def select_locale() -> str:
    """The interface language: the menu's choice (this session's, else the one the user saved), else
    the browser's Accept-Language, else English. A person's ``language`` is for their letters and
    certificates, not the interface: a leader whose record says "sv" still reads an English browser's."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")  # jobs and CLI commands (a flag's message)
    if request.blueprint == "finder" and request.args.get("lang") in supported:
        return request.args["lang"]  # a society's website links (or frames) the finder in its own language
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in supported:
        return current_user.language
    return request.accept_languages.best_match(supported) or "en"


def configure_request_hooks(app: Flask) -> None:
    @app.before_request
    def declare_intent_and_actor():
        from .services.platform import audit

        g.write_token = declare_write_intent(request.method in WRITE_METHODS)
        if current_user.is_authenticated:
            actor = audit.Actor(current_user.id, current_user.email, request.remote_addr)
        else:
            actor = audit.Actor(None, "anonymous", request.remote_addr)
        g.actor_token = audit.set_actor(actor)

    # Order matters: the actor must be known before access is checked and views run.
    app.before_request(access.enforce_access)

    @app.teardown_request
    def reset_context(_exc):
        from .services.platform import audit

        if "actor_token" in g:
            audit.reset_actor(g.pop("actor_token"))
        if "write_token" in g:
            reset_write_intent(g.pop("write_token"))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        policy = headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        if "frame-ancestors 'none'" in policy:  # a page framable by named sites (the embedded finder) says so in its CSP
            headers.setdefault("X-Frame-Options", "DENY")
        if not app.debug:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user.is_authenticated and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response

    @app.template_filter("bar_width")
    def bar_width(percent) -> str:
        """A progress bar's width as a class of app.css (bar-0 ... bar-100): the CSP allows no style attribute."""
        return f"bar-{min(100, max(0, round(float(percent or 0))))}"

    from .presentation.records import record_fact_label

    app.add_template_global(record_fact_label)

    @app.context_processor
    def template_globals():
        from flask_babel import get_locale

        from .navigation import account_entries, nav_entries, nav_items

        return {"languages": app.config["LANGUAGES"], "nav_items": nav_items, "nav_entries": nav_entries,
                "account_entries": account_entries, "get_locale": get_locale}


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from their
    X-Forwarded-For/-Proto, so throttling, rate limits and the audit trail see the real client.
    Outermost, so the API's answer front sees it too. Off (0) by default: the headers are
    anyone's to forge when nothing in front overwrites them."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def configure_blueprints(app: Flask) -> None:
    from .blueprints import register_all

    register_all(app)


def configure_cli(app: Flask) -> None:
    from .cli import register

    register(app)


def submitted_form():
    """The request's form, or an empty one when it is too large to read: the view says so (413)."""
    from werkzeug.datastructures import ImmutableMultiDict
    from werkzeug.exceptions import RequestEntityTooLarge

    try:
        return request.form
    except RequestEntityTooLarge:
        return ImmutableMultiDict()


def configure_input_limits(app: Flask) -> None:
    """What no field can accept is refused before any view sees it (``schemas/limits.py``):
    ids past the columns' range in URLs are unknown (404); control characters in any query or
    form value, and page numbers out of range, are a 400 that names the field."""
    from flask import abort

    from .schemas.limits import BoundedIntegerConverter, odd_argument

    app.url_map.converters["int"] = BoundedIntegerConverter

    @app.before_request
    def refuse_odd_input():
        if request.path.startswith(public_api.API_PREFIX):
            return  # the API's strict query schemas refuse these by name (422 problem details)
        odd = odd_argument(request.args) or (odd_argument(submitted_form()) if request.method in WRITE_METHODS else None)
        if odd:
            name, fix = odd
            abort(400, description=f"{name}: {fix}")


def configure_form_submissions(app: Flask) -> None:
    """A form takes effect once, however often it is sent (``services/platform/submissions.py``)."""
    from flask import abort, redirect
    from flask_babel import gettext
    from werkzeug.datastructures import ImmutableMultiDict

    from .services.platform import submissions

    app.jinja_env.globals["form_token"] = submissions.new_token

    @app.before_request
    def take_the_form_token():
        if request.method not in WRITE_METHODS or submissions.TOKEN_FIELD not in submitted_form():
            return None
        form = request.form.copy()
        token = form.pop(submissions.TOKEN_FIELD)
        request.form = ImmutableMultiDict(form)  # the views and their schemas never see it
        if submissions.take(token, current_user.id if current_user.is_authenticated else None):
            g.form_token = token
            return None
        location = submissions.first_location(token)
        db.session.rollback()
        if location:
            return redirect(location, 303)
        abort(409, description=gettext("This form was sent already: it was not applied a second time. "
                                       "Go back and reload the page to see the result."))

    @app.after_request
    def remember_where_the_form_went(response):
        token = g.pop("form_token", None)
        if token and response.status_code >= 400:
            db.session.rollback()  # refused: nothing of it stays, and the token is free for the corrected form
        elif token and 300 <= response.status_code < 400 and response.location:
            submissions.remember_location(token, response.location)
        return response
