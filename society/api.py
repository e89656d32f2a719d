"""The public API's shared machinery, for every package that adds endpoints under /api/v1.

- ``public_blueprint(...)``: a flask-smorest Blueprint on /api/v1 under the shared
  per-address rate limit (``API_RATE_LIMIT``; X-RateLimit-* headers, 429 problem
  details with Retry-After), whose query schemas refuse unknown parameters.
- ``answer(...)``: a cached, conditional JSON GET: ETag and Last-Modified from the
  data version (``services/platform/http_cache.py``), 304 on revalidation, Cache-Control for
  public data, the serialised body kept in an in-process cache.
- ``paged(...)``: pagination object, X-Pagination and RFC 8288 Link headers.
- ``AnswerFront``: a WSGI layer that repeats a recent public answer without entering Flask
  while its data version is still current (what makes a cached page nearly free).
- CORS for every /api/ response (open for GET, preflight answered), installed by
  ``init_app``, which also documents every error response as
  ``application/problem+json`` (errors.py writes them; ``field_errors`` flattens
  webargs' messages into one object, field by field).
- ``CACHE_HEADERS``, ``PAGE_HEADERS``, ``CONDITIONAL_PARAMETERS``: OpenAPI fragments.
"""
import copy
import hashlib
import math
import time
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus

from flask import current_app, request, url_for
from flask_limiter.constants import HeaderNames
from flask_smorest import Blueprint
from limits import parse_many
from limits.storage import MemoryStorage
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.http import http_date

from .access import PUBLIC, rule_for
from .extensions import api as openapi
from .extensions import limiter
from .schemas.api import ProblemSchema
from .services.platform.http_cache import AnswerCache, CachedAnswer, DataVersion, entity_tag, is_fresh, still_current

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"
RATE_LIMIT_SCOPE = "public-api"  # one counter per client address for every public endpoint
API_V1 = "/api/v1"  # the same as OPENAPI_URL_PREFIX; public_blueprint mounts here by default
EXPOSED_HEADERS = ("ETag, Last-Modified, Link, X-Pagination, Retry-After, "
                   "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
ALLOWED_REQUEST_HEADERS = "If-None-Match, If-Modified-Since, Accept, Accept-Language"
# Where webargs may report errors; their messages come nested by location.
ARGUMENT_LOCATIONS = {"query", "querystring", "json", "form", "json_or_form", "headers", "cookies", "files",
                      "view_args", "path"}


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


# -- wiring -----------------------------------------------------------------------

def init_app(app) -> None:
    """Install the shared API behaviour on ``app`` (after the flask-smorest Api)."""
    size = app.config.get("API_ANSWER_CACHE_SIZE", 512)
    app.extensions["society_api_answers"] = AnswerCache(size)
    document_problem_responses()
    app.after_request(_api_response_headers)
    if app.config.get("API_FRONT_CACHE", True) and size > 0:
        app.wsgi_app = AnswerFront(app, size)


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


class StrictQueryParser(FlaskParser):
    """webargs drops unknown query parameters by default; here the schema decides, and
    our query schemas (StrictSchema) refuse them, naming each one (422)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}
    MEMO_SIZE = 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo: dict = {}

    def parse(self, argmap, req=None, *, location=None, validate=None, **kwargs):
        """Query strings repeat (clients poll the same pages): a valid one parsed before with
        the same schema gives the same arguments, so they are kept rather than parsed again.
        Invalid ones are parsed (and refused) every time."""
        if location not in ("query", "querystring") or validate is not None or not isinstance(argmap, Schema):
            return super().parse(argmap, req, location=location, validate=validate, **kwargs)
        key = (id(argmap), str(kwargs.get("unknown")), (req or request).query_string)
        parsed = self._memo.get(key)
        if parsed is None:
            parsed = super().parse(argmap, req, location=location, **kwargs)
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = parsed
        return copy.deepcopy(parsed)


class PublicBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictQueryParser()


def public_blueprint(name: str, import_name: str, **options) -> Blueprint:
    """A flask-smorest Blueprint mounted on /api/v1, under the shared per-address rate limit.
    Expose it as ``api_bp`` in the package; mark its MethodViews ``_access = (PUBLIC,)``."""
    options.setdefault("url_prefix", API_V1)
    blueprint = PublicBlueprint(name, import_name, **options)
    limiter.shared_limit(_rate_limit, scope=RATE_LIMIT_SCOPE)(blueprint)
    return blueprint


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


class InlineExpiryMemoryStorage(MemoryStorage):
    """``memory-inline://``: limits' in-process storage without its expiry thread.

    MemoryStorage re-arms a 10 ms timer thread on every hit once the last one has fired, and
    each thread start waits for the GIL; under steady traffic that made a rate-limited API
    request about six times dearer (measured with bench/directory.py --rate-limit). Expired
    counters are still dropped when read; the rest are swept every ``SWEEP_EVERY`` hits."""

    STORAGE_SCHEME = ["memory-inline"]
    SWEEP_EVERY = 1000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hits_since_sweep = 0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer thread
        self._hits_since_sweep += 1
        if self._hits_since_sweep >= self.SWEEP_EVERY:
            self._hits_since_sweep = 0
            self._MemoryStorage__expire_events()


def _api_response_headers(response):
    if not request.path.startswith(API_PREFIX):
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        headers["Access-Control-Max-Age"] = "86400"
    elif (request.method in ("GET", "HEAD") and response.status_code == 200 and "ETag" not in headers
          and not response.direct_passthrough and response.is_json):
        # Static JSON (the OpenAPI document): a strong validator from the bytes themselves.
        headers["Cache-Control"] = f"public, max-age={max_age()}"
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.make_conditional(request)
    return response


def field_errors(messages):
    """webargs reports ``{location: {field: [messages]}}``; answer ``{field: [messages]}``."""
    if not isinstance(messages, dict) or not messages or not set(messages) <= ARGUMENT_LOCATIONS:
        return messages
    merged: dict = {}
    for by_field in messages.values():
        if isinstance(by_field, dict):
            merged.update(by_field)
        else:
            merged.setdefault("_schema", []).extend(by_field)
    return merged


# -- repeating recent answers before Flask -------------------------------------------------

ANSWER_MARK = "society.api.answer"  # environ key: answer() built a repeatable 200 for this request
_NOT_PLAIN = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


@dataclass(frozen=True)
class FrontEntry:
    version: DataVersion
    headers: tuple
    body: bytes


class AnswerFront:
    """A WSGI layer in front of the application that repeats, byte for byte and headers
    included, a public API answer this worker built moments ago, as long as its data version
    is still current (``http_cache.still_current``: read at most API_DATA_VERSION_REUSE_SECONDS
    ago, and no write committed in this process since).

    Only plain GETs under /api/ qualify: no cookie, authorization or conditional header.
    Everything else, and every first or expired request, goes through Flask, which refreshes
    the entry. Under load most directory requests then cost about what a bare WSGI app costs.

    A repeated answer still counts against the client's rate limit: the front hits the very
    counter Flask-Limiter keeps for the shared ``public-api`` limit (same storage, same key:
    the client address, as ``get_remote_address`` reads it) and sends fresh X-RateLimit-*
    headers. A client over its limit is handed to Flask, which answers the 429."""

    def __init__(self, app, size: int):
        self.app, self.wsgi_app = app, app.wsgi_app
        self.entries = AnswerCache(size)
        self._parsed = None  # (API_RATE_LIMIT, its limits, header names)

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or not environ.get("PATH_INFO", "").startswith(API_PREFIX)
                or any(name in environ for name in _NOT_PLAIN)):
            return self.wsgi_app(environ, start_response)
        key = (environ.get("SCRIPT_NAME", ""), environ["PATH_INFO"], environ.get("QUERY_STRING", ""))
        entry = self.entries.get(key)
        if entry is not None and still_current(entry.version, date.today()):
            limit_headers = self._count(environ)
            if limit_headers is not None:
                start_response("200 OK", [*entry.headers, *limit_headers])
                return [entry.body]
        return self._through_flask(key, environ, start_response)

    def _count(self, environ) -> list | None:
        """Count this request against the shared API limit: the X-RateLimit-* headers to send,
        or None when the client is over its limit (Flask then answers the 429)."""
        if not (self.app.config.get("RATELIMIT_ENABLED") and limiter.enabled):
            return []
        items, names = self._limits()
        # The key Flask-Limiter uses: [prefix,] client address (get_remote_address), scope.
        args = [environ.get("REMOTE_ADDR") or "127.0.0.1", RATE_LIMIT_SCOPE]
        if self.app.config.get("RATELIMIT_KEY_PREFIX"):
            args.insert(0, self.app.config["RATELIMIT_KEY_PREFIX"])
        strategy = limiter.limiter
        if not all([strategy.hit(item, *args) for item in items]):
            return None
        if not self.app.config.get("RATELIMIT_HEADERS_ENABLED"):
            return []
        # Like Flask-Limiter, the headers describe the first limit in its own sort order.
        window = strategy.get_window_stats(items[0], *args)
        reset_at = int(window.reset_time)
        return [(names["limit"], str(items[0].amount)), (names["remaining"], str(window.remaining)),
                (names["reset"], str(reset_at)), (names["retry"], str(max(reset_at - int(time.time()), 0)))]

    def _limits(self):
        spec = self.app.config["API_RATE_LIMIT"]
        if self._parsed is None or self._parsed[0] != spec:
            config = self.app.config
            names = {"limit": config.get("RATELIMIT_HEADER_LIMIT", HeaderNames.LIMIT.value),
                     "remaining": config.get("RATELIMIT_HEADER_REMAINING", HeaderNames.REMAINING.value),
                     "reset": config.get("RATELIMIT_HEADER_RESET", HeaderNames.RESET.value),
                     "retry": config.get("RATELIMIT_HEADER_RETRY_AFTER", HeaderNames.RETRY_AFTER.value)}
            self._parsed = (spec, sorted(parse_many(spec)), names)
        return self._parsed[1], self._parsed[2]

    def _through_flask(self, key, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        answer_iter = self.wsgi_app(environ, capture)
        version = environ.get(ANSWER_MARK)
        if (version is None or not captured.get("status", "").startswith("200 ")
                or any(name.lower() == "set-cookie" for name, _value in captured["headers"])):
            return answer_iter
        try:
            body = b"".join(answer_iter)
        finally:
            if hasattr(answer_iter, "close"):
                answer_iter.close()
        # Rate-limit headers describe one request's count: the front sends fresh ones.
        headers = tuple((name, value) for name, value in captured["headers"]
                        if not name.lower().startswith("x-ratelimit-") and name.lower() != "retry-after")
        self.entries.put(key, FrontEntry(version, headers, body))
        return [body]


# -- answering a GET ----------------------------------------------------------------

def max_age() -> int:
    return current_app.config.get("API_CACHE_MAX_AGE", 300)


def version_reuse() -> float:
    """Seconds a worker may reuse a data version it read (see services/http_cache.data_version)."""
    return current_app.config.get("API_DATA_VERSION_REUSE_SECONDS", 1.0)


def query_key(args: dict) -> tuple:
    """A hashable, order-independent form of parsed query arguments."""
    def plain(value):
        if isinstance(value, (list, tuple, set)):
            return tuple(sorted(plain(v) for v in value))
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return value

    return tuple(sorted((name, plain(value)) for name, value in args.items()))


def answer(name: str, args: dict, version: DataVersion, build):
    """Answer a GET for resource ``name`` with query ``args`` at data ``version``.

    304 when the client's If-None-Match / If-Modified-Since still hold; otherwise the
    serialised answer from the in-process cache, built with ``build()`` on a miss.
    ``build`` returns ``(payload, headers)``: ``payload`` already dumped by its schema,
    ``headers`` a dict of extra headers (Link, X-Pagination)."""
    key = (name, query_key(args))
    etag = entity_tag(*key, version.token)
    cache_headers = {"ETag": etag, "Last-Modified": http_date(version.last_modified),
                     "Cache-Control": f"public, max-age={max_age()}"}
    if_none_match = request.headers.get("If-None-Match")
    fresh = is_fresh(etag, version.last_modified, if_none_match=if_none_match,
                     if_modified_since=request.if_modified_since)
    # "If-None-Match: *" holds only if the resource exists: let build() find out (it may 404).
    if fresh and "*" not in (if_none_match or ""):
        return current_app.response_class(status=304, headers=cache_headers)
    answers: AnswerCache = current_app.extensions["society_api_answers"]
    cached = answers.get((key, version.token))
    if cached is None:
        payload, extra = build()
        cached = CachedAnswer(current_app.json.dumps(payload).encode(), tuple(extra.items()))
        answers.put((key, version.token), cached)
    if fresh:
        return current_app.response_class(status=304, headers=cache_headers)
    response = current_app.response_class(cached.body, mimetype="application/json")
    if rule_for(request.endpoint, current_app.view_functions[request.endpoint]) == (PUBLIC,):
        request.environ[ANSWER_MARK] = version  # AnswerFront may repeat it while the version holds
    response.headers.extend(cached.headers)
    response.headers.extend(cache_headers)
    return response


# -- pages ------------------------------------------------------------------------------

def pagination(total: int, page: int, per_page: int) -> dict:
    total_pages = max(1, math.ceil(total / per_page))
    return {
        "total": total, "total_pages": total_pages, "first_page": 1, "last_page": total_pages,
        "page": page, "per_page": per_page,
        "previous_page": min(page - 1, total_pages) if page > 1 else None,
        "next_page": page + 1 if page < total_pages else None,
    }


def paged(endpoint: str, args: dict, total: int, **values) -> tuple[dict, dict]:
    """The pagination object and its headers (X-Pagination, Link) for a page of ``endpoint``."""
    info = pagination(total, args["page"], args["per_page"])

    def link(page: int, rel: str) -> str:
        query = {name: value for name, value in args.items() if value is not None}
        query["page"] = page
        return f'<{url_for(endpoint, **values, **_query_strings(query))}>; rel="{rel}"'

    links = [link(1, "first")]
    if info["previous_page"]:
        links.append(link(info["previous_page"], "prev"))
    if info["next_page"]:
        links.append(link(info["next_page"], "next"))
    links.append(link(info["last_page"], "last"))
    headers = {"Link": ", ".join(links), "X-Pagination": current_app.json.dumps(info)}
    return info, headers


def _query_strings(query: dict) -> dict:
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return value

    return {name: [text(v) for v in value] if isinstance(value, (list, tuple)) else text(value)
            for name, value in query.items()}
