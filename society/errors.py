"""One error handler per surface: problem details (RFC 9457) for the API and JSON
clients, an HTML page for people."""
from http import HTTPStatus

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .access import wants_json
from .api import field_errors
from .database import declare_write_intent
from .extensions import db
from .services.errors import DomainError
from .services.platform.health import RETRY_AFTER_SECONDS


# The error page in the reader's language; werkzeug's own names and descriptions are English.
PAGE_TITLES = {
    400: _l("Bad request"), 403: _l("Forbidden"), 404: _l("Not found"), 405: _l("Method not allowed"),
    409: _l("Conflict"), 413: _l("Too large"), 422: _l("Invalid input"), 429: _l("Too many requests"),
    500: _l("Internal server error"), 503: _l("Service unavailable"),
}
PAGE_DETAILS = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("You do not have access to this page."),
    404: _l("There is no such page. It may have moved, or the link is mistyped."),
    405: _l("This page cannot be used that way."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests in a short time. Wait a moment, then try again."),
}


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": "about:blank", "title": str(title), "status": status, "instance": request.path}
    if detail:
        body["detail"] = str(detail)
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _answer(status: int, detail: str):
    """Problem details for JSON clients, the error page for people: the same status and detail."""
    if wants_json():
        return problem(status, HTTPStatus(status).phrase, detail)
    return _page(status, PAGE_TITLES[status], detail)


def _page(status: int, title: str, detail: str | None):
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def handle_http_exception(error: HTTPException):
    if wants_json():
        extra = {}
        # webargs/flask-smorest put field errors here.
        data = getattr(error, "data", None) or {}
        if isinstance(data, dict) and data.get("messages"):
            extra["errors"] = field_errors(data["messages"])
        response = problem(error.code or 500, error.name, error.description, **extra)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    code = error.code or 500
    # werkzeug's default text is replaced by ours; a description given with abort() is kept.
    default = error.description == type(error).description
    detail = PAGE_DETAILS.get(code, error.description) if default else error.description
    if isinstance(error, CSRFError):
        detail = gettext("The form was sent without a valid security token, perhaps because the page was open "
                         "for a long time. Go back, reload the page and try again.")
    return _page(code, PAGE_TITLES.get(code, error.name), detail)


def handle_domain_error(error: DomainError):
    db.session.rollback()
    if wants_json():
        extra = {"errors": getattr(error, "errors", None) or ({error.field: [error.message]} if error.field else {})}
        return problem(error.status, error.title, error.message, **({k: v for k, v in extra.items() if v}))
    return _page(error.status, error.title, error.message)


def handle_stale_data(_error: StaleDataError):
    db.session.rollback()
    detail = gettext("Someone else saved this record since you opened it. Reload it and apply your change again.")
    if wants_json():
        return problem(409, "Conflict", detail)
    return _page(409, gettext("Conflict"), detail)


def handle_database_unavailable(error: Exception):
    """The database cannot be reached (a restart, a failover) or is busy: nothing was written
    (the transaction is rolled back), so the client may simply try again shortly."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it
        pass
    # The page only reads (who is logged in): on SQLite it must not wait again for the write lock
    # this request could not take. The request's teardown puts the intent back.
    declare_write_intent(False)
    current_app.logger.warning("Database unavailable on %s: %s", request.path, str(error).splitlines()[0])
    response = current_app.make_response(_answer(503, gettext(
        "The registry cannot reach its database just now. Nothing was saved; try again in a moment.")))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_integrity_conflict(error: IntegrityError):
    """Two requests wrote the same unique thing at once (the same member twice, one period's
    dues twice): the second answers 409 on both databases, never 500. Forms normally carry a
    one-time token that answers a repeat before this (services/platform/submissions.py)."""
    db.session.rollback()
    current_app.logger.info("Conflict on %s: %s", request.path, str(error.orig).splitlines()[0])
    return _answer(409, gettext("This was saved already, or conflicts with something saved at the same moment. "
                                "Reload the page to see what is saved now."))


def handle_unstorable_value(error: DataError):
    """A value the database refuses (out of a column's range, a character it cannot store) that
    no schema caught: the input's fault, so a 400, never a 500. Schemas catch these first
    (``schemas/limits.py``); this is the backstop, logged so the schema can be tightened."""
    db.session.rollback()
    current_app.logger.warning("Unstorable value on %s: %s", request.path, str(error.orig).splitlines()[0])
    return _answer(400, gettext("A value you sent is out of range or holds characters that cannot be stored. "
                                "Check what you entered and try again."))


def handle_unexpected(error: Exception):
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise error
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    if wants_json():
        return problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.")
    return _page(500, gettext("Internal server error"), gettext("Something went wrong on our side; it has been logged."))


def register(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(DataError, handle_unstorable_value)
    app.register_error_handler(IntegrityError, handle_integrity_conflict)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
