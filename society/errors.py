"""One error handler per surface: problem details (RFC 9457) for the API and JSON
clients, an HTML page for people."""
from flask import current_app, jsonify, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .access import wants_json
from .api import field_errors
from .extensions import db
from .services.errors import DomainError


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


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
    return _page(error.code or 500, error.name, error.description)


def handle_domain_error(error: DomainError):
    db.session.rollback()
    if wants_json():
        extra = {"errors": getattr(error, "errors", None) or ({error.field: [error.message]} if error.field else {})}
        return problem(error.status, error.title, error.message, **({k: v for k, v in extra.items() if v}))
    return _page(error.status, error.title, error.message)


def handle_stale_data(_error: StaleDataError):
    db.session.rollback()
    detail = "Someone else saved this record since you opened it. Reload it and apply your change again."
    if wants_json():
        return problem(409, "Conflict", detail)
    return _page(409, "Conflict", detail)


def handle_unexpected(error: Exception):
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise error
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    if wants_json():
        return problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.")
    return _page(500, "Internal Server Error", "Something went wrong on our side; it has been logged.")


def register(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(Exception, handle_unexpected)
