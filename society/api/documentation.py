"""OpenAPI fragments shared by the public endpoints, and the problem-details error responses."""
from http import HTTPStatus

from ..extensions import api as openapi
from ..schemas.api import ProblemSchema

PROBLEM_JSON = "application/problem+json"

def _header(description: str) -> dict:
    return {"description": description, "schema": {"type": "string"}}


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": _header("Requests allowed per window for this client address (when rate limiting is on)."),
    "X-RateLimit-Remaining": _header("Requests left in the current window."),
    "X-RateLimit-Reset": _header("When the window resets (Unix time)."),
}
CACHE_HEADERS = {
    "ETag": _header("Weak validator of this representation; send it back in If-None-Match."),
    "Last-Modified": _header("When the data behind this representation last changed (at least today's midnight)."),
    "Cache-Control": _header("Public data: `public, max-age=...`."),
    **RATE_LIMIT_HEADERS,
}
PAGE_HEADERS = {
    **CACHE_HEADERS,
    "Link": _header("RFC 8288 links to the first, previous, next and last pages (rel=first/prev/next/last)."),
    "X-Pagination": _header("The `pagination` object of the body, as JSON."),
}
CONDITIONAL_PARAMETERS = [
    {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
     "description": "An ETag from an earlier answer: 304 Not Modified while it still holds."},
    {"in": "header", "name": "If-Modified-Since", "required": False, "schema": {"type": "string"},
     "description": "An HTTP date: 304 Not Modified when nothing changed since (ignored with If-None-Match)."},
]


def document_problem_responses() -> None:
    """Make the OpenAPI document say what errors.py sends: problem details, not smorest's default."""
    components = openapi.spec.components
    for status in HTTPStatus:
        if status >= 400:
            components.response(status.name, _problem_response(status.phrase), lazy=True)
    components.response(openapi.DEFAULT_ERROR_RESPONSE_NAME, _problem_response("Problem details (RFC 9457)"), lazy=True)
    # smorest's own error body, registered at start-up, is never sent: keep it out of the document.
    components.schemas.pop("Error", None)


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": ProblemSchema}}}
