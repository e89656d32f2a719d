"""The public API's shared machinery, for every package that adds endpoints under /api/v1.

- ``blueprints``: ``public_blueprint(...)``, a flask-smorest Blueprint on /api/v1 under the
  shared per-address rate limit (``API_RATE_LIMIT``; X-RateLimit-* headers, 429 problem details
  with Retry-After), whose query schemas refuse unknown parameters; ``field_errors`` flattens
  webargs' messages into one object, field by field.
- ``answers``: ``answer(...)``, a cached, conditional JSON GET: ETag and Last-Modified from the
  data version (``services/platform/http_cache.py``), 304 on revalidation (Werkzeug's
  ``is_resource_modified``), Cache-Control for public data, the serialised body kept in an
  in-process cache.
- ``dumping``: ``dumper(schema)``, a schema compiled into plain functions that serialise a large
  answer (a directory page) as ``dump`` does, at a fraction of its cost.
- ``pages``: ``paged(...)``, the pagination object, X-Pagination and RFC 8288 Link headers (``paged_at``
  for a list's path, without a request);
  ``joined_page(...)``, a page's body from items already serialised.
- ``front``: ``AnswerFront``, a WSGI layer that counts the rate limit of plain public GETs, repeats a
  recent answer without entering Flask while its data version is still current, and builds the pages
  of a ``lane`` (a public list) itself, from what is stored, without a request.
- ``cors``: CORS for every /api/ response (open for GET, preflight answered).
- ``documentation``: OpenAPI fragments (``CACHE_HEADERS``, ``PAGE_HEADERS``,
  ``CONDITIONAL_PARAMETERS``) and every error response documented as ``application/problem+json``.
- ``rate_limits``: ``memory-inline://``, limits' memory storage without its timer thread.

``init_app`` installs all of it on the application (after the flask-smorest Api).
"""
from .answers import answer, max_age, version_reuse
from .blueprints import API_PREFIX, API_V1, RATE_LIMIT_SCOPE, field_errors, public_blueprint
from .cors import add_cors_headers
from .dumping import dumper
from .documentation import CACHE_HEADERS, CONDITIONAL_PARAMETERS, PAGE_HEADERS, PROBLEM_JSON, document_problem_responses
from .front import AnswerFront, lane
from .pages import joined_page, paged, paged_at, pagination
from .rate_limits import InlineExpiryMemoryStorage
from ..services.platform.http_cache import AnswerCache

__all__ = [
    "API_PREFIX", "API_V1", "CACHE_HEADERS", "CONDITIONAL_PARAMETERS", "PAGE_HEADERS", "PROBLEM_JSON",
    "RATE_LIMIT_SCOPE", "AnswerFront", "InlineExpiryMemoryStorage", "answer", "dumper", "field_errors", "init_app",
    "joined_page", "lane", "max_age", "paged", "paged_at", "pagination", "public_blueprint", "version_reuse",
]


def init_app(app) -> None:
    """Install the shared API behaviour on ``app`` (after the flask-smorest Api)."""
    size = app.config.get("API_ANSWER_CACHE_SIZE", 512)
    app.extensions["society_api_answers"] = AnswerCache(size)
    document_problem_responses()
    app.after_request(add_cors_headers)
    if app.config.get("API_FRONT_CACHE", True):
        app.wsgi_app = AnswerFront(app, size)  # with size 0 it keeps no answers, and still counts and builds
