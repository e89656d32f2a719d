"""Answering an iCalendar document (a group's feed, a leader's personal feed)."""
from flask import current_app, request

from .answers import max_age


def calendar_response(body: bytes, filename: str):
    """``text/calendar`` with a strong ETag (304 when the client's still holds) and a public max-age."""
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = f"public, max-age={max_age()}"
    response.add_etag()
    return response.make_conditional(request)
