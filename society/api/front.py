"""Repeating recent public answers before Flask, building the pages of public lists there, and refusing
clients over their limit there."""
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask_limiter.constants import HeaderNames
from limits import parse_many
from marshmallow import Schema
from werkzeug.wrappers import Request

from ..extensions import db, limiter
from ..services.platform import http_cache
from ..services.platform.http_cache import AnswerCache, DataVersion, still_current
from .blueprints import API_PREFIX, RATE_LIMIT_SCOPE

ANSWER_MARK = "society.api.answer"  # environ key: answer() built a repeatable 200 for this request
COUNTED_MARK = "society.api.counted"  # environ key: the front counted this request against the API limit
_NOT_PLAIN = frozenset(("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"))


@dataclass(frozen=True)
class FrontEntry:
    version: DataVersion
    headers: tuple
    body: bytes


@dataclass(frozen=True)
class Lane:
    """A public list the front answers itself when it keeps no answer, without a request or an application
    context: ``schema`` parses the query (as the view's ``@arguments`` does) and ``page(app, engine, args,
    path)`` gives what the view's ``answer(name, ...)`` would send, (data version, body, headers), from what
    the worker keeps and the database stores, or None to let the view answer. The view's answer differs only
    by its validators (the front adds them, as ``answer`` does) and by headers that are the same on every
    answer of the endpoint (security, CORS, Vary, added by the request hooks, which on a public endpoint only
    check access and count the rate limit, as the front did): the front learns those from Flask's first answer."""
    endpoint: str
    name: str
    schema: Schema
    page: Callable


LANES: dict[str, Lane] = {}
# Never learnt as the headers of every answer of an endpoint: those that differ from one answer to the next
# and those a lane's answer has its own of.
_NOT_LEARNT = {"content-length", "link", "x-pagination", "etag", "last-modified", "retry-after", "date",
               "content-type", "cache-control"}


def lane(endpoint: str, name: str, schema: Schema, page: Callable) -> None:
    """Let the front answer plain GETs of ``endpoint`` (a public view without path arguments) itself."""
    LANES[endpoint] = Lane(endpoint, name, schema, page)


class AnswerFront:
    """A WSGI layer in front of the application that repeats, byte for byte and headers
    included, a public API answer this worker built moments ago, as long as its data version
    is still current (``http_cache.still_current``: read at most API_DATA_VERSION_REUSE_SECONDS
    ago, and no write committed in this process since).

    Only plain GETs under /api/ qualify: no cookie, authorization or conditional header.
    Everything else, and every first or expired request, goes through Flask, which refreshes
    the entry. Under load most directory requests then cost about what a bare WSGI app costs.

    Every plain GET is counted here, once, against the client's rate limit: the front hits the
    very counter Flask-Limiter keeps for the shared ``public-api`` limit (same storage, same key:
    the client address, as ``get_remote_address`` reads it), marks the request so Flask-Limiter
    does not count it again, and sends fresh X-RateLimit-* headers with whatever answers it. A
    client over its limit is refused here with the 429 Flask answered the first time (its
    headers and problem details, this request's path and Retry-After), so refusing costs less
    than serving a page.

    A page it keeps no answer for, of an endpoint registered with ``lane``, it builds itself (``Lane``)."""

    def __init__(self, app, size: int):
        self.app, self.wsgi_app = app, app.wsgi_app
        self.entries = AnswerCache(size)
        self._parsed = None  # (API_RATE_LIMIT, its limits, header names)
        self._refusal = None  # (headers, problem body) of Flask's 429, once it answered one
        self._lanes = None  # path -> Lane, resolved on first use (blueprints register their lanes at import)
        self._engine = None  # the database engine, found with the lanes
        self._learnt: dict[str, tuple] = {}  # endpoint -> headers Flask adds to each of its 200 answers

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or not environ.get("PATH_INFO", "").startswith(API_PREFIX)
                or not _NOT_PLAIN.isdisjoint(environ)):
            return self.wsgi_app(environ, start_response)
        # Every plain GET is counted here, once: a client over its limit is refused before Flask
        # (cheaper than any page), the others carry the count's headers whichever way they are answered.
        limit_headers = self._count(environ)
        if limit_headers is None:
            if self._refusal is not None:
                return self._refuse(environ, start_response)
            return self._learn_refusal(environ, start_response)  # Flask counts again and answers the 429
        environ[COUNTED_MARK] = True
        key = (environ.get("SCRIPT_NAME", ""), environ["PATH_INFO"], environ.get("QUERY_STRING", ""))
        entry = self.entries.get(key)
        if entry is not None and still_current(entry.version, http_cache.today()):
            start_response("200 OK", [*entry.headers, *limit_headers])
            return [entry.body]
        lane = self._lane_for(environ["PATH_INFO"])
        if lane is not None and lane.endpoint in self._learnt:
            answered = self._through_lane(lane, key, environ, start_response, limit_headers)
            if answered is not None:
                return answered
        return self._through_flask(key, environ, start_response, limit_headers, lane)

    def _lane_for(self, path: str) -> Lane | None:
        if self._lanes is None:
            from ..access import PUBLIC, rule_for

            with self.app.app_context():
                self._engine = db.engine  # the lanes read without an application context
            adapter = self.app.url_map.bind("localhost")
            self._lanes = {adapter.build(found.endpoint): found for found in LANES.values()
                           if found.endpoint in self.app.view_functions
                           and rule_for(found.endpoint, self.app.view_functions[found.endpoint]) == (PUBLIC,)}
        return self._lanes.get(path)

    def _through_lane(self, lane: Lane, key, environ, start_response, limit_headers: list):
        """The lane's answer, or None to let Flask answer (refused input, a page the worker cannot build
        from what it keeps)."""
        from .answers import max_age, validators
        from .blueprints import PublicBlueprint

        try:
            args, _flat, query = PublicBlueprint.ARGUMENTS_PARSER.kept_query(lane.schema, Request(environ))
            built = lane.page(self.app, self._engine, args, environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"])
        except Exception:  # noqa: BLE001 - Flask answers it: refused input with its problem details (422)
            return None
        if built is None:
            return None
        version, body, own = built
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *own.items(),
                   *validators(lane.name, query, version, max_age(self.app)).items(), *self._learnt[lane.endpoint]]
        self.entries.put(key, FrontEntry(version, tuple(headers), body))
        start_response("200 OK", [*headers, *limit_headers])
        return [body]

    def _refuse(self, environ, start_response):
        """The 429 Flask would send (its headers learnt from its first one), with this count's headers."""
        headers, body = self._refusal
        body = json.dumps({**body, "instance": environ["PATH_INFO"]}).encode()
        items, _names = self._limits()
        args = self._limit_key(environ)
        reset_at = int(limiter.limiter.get_window_stats(items[0], *args).reset_time)
        retry = str(max(reset_at - int(time.time()), 1))
        start_response("429 TOO MANY REQUESTS", [*headers, ("Content-Length", str(len(body))), ("Retry-After", retry),
                                                 *self._limit_headers(items[0], args, reset_at)])
        return [body]

    def _learn_refusal(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        answer_iter = self.wsgi_app(environ, capture)
        if not captured.get("status", "").startswith("429 "):
            return answer_iter
        try:
            body = b"".join(answer_iter)
        finally:
            if hasattr(answer_iter, "close"):
                answer_iter.close()
        try:
            problem = json.loads(body)
        except ValueError:
            return [body]
        if isinstance(problem, dict) and not any(name.lower() == "set-cookie" for name, _ in captured["headers"]):
            kept = tuple((name, value) for name, value in captured["headers"]
                         if not name.lower().startswith("x-ratelimit-")
                         and name.lower() not in ("retry-after", "content-length", "content-language", "vary"))
            self._refusal = (kept, {key: value for key, value in problem.items() if key != "instance"})
        return [body]

    def _count(self, environ) -> list | None:
        """Count this request against the shared API limit: the X-RateLimit-* headers to send,
        or None when the client is over its limit."""
        if not (self.app.config.get("RATELIMIT_ENABLED") and limiter.enabled):
            return []
        items, _names = self._limits()
        args = self._limit_key(environ)
        strategy = limiter.limiter
        if not all([strategy.hit(item, *args) for item in items]):
            return None
        if not self.app.config.get("RATELIMIT_HEADERS_ENABLED"):
            return []
        # Like Flask-Limiter, the headers describe the first limit in its own sort order.
        return self._limit_headers(items[0], args)

    def _limit_key(self, environ) -> list:
        # The key Flask-Limiter uses: [prefix,] client address (get_remote_address), scope.
        args = [environ.get("REMOTE_ADDR") or "127.0.0.1", RATE_LIMIT_SCOPE]
        if self.app.config.get("RATELIMIT_KEY_PREFIX"):
            args.insert(0, self.app.config["RATELIMIT_KEY_PREFIX"])
        return args

    def _limit_headers(self, item, args, reset_at: int | None = None) -> list:
        if not self.app.config.get("RATELIMIT_HEADERS_ENABLED"):
            return []
        _items, names = self._limits()
        window = limiter.limiter.get_window_stats(item, *args)
        reset_at = int(window.reset_time) if reset_at is None else reset_at
        return [(names["limit"], str(item.amount)), (names["remaining"], str(window.remaining)),
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

    def _through_flask(self, key, environ, start_response, limit_headers: list, lane: Lane | None = None):
        captured = {}

        def capture(status, headers, exc_info=None):
            # Flask did not count this request (COUNTED_MARK): the front's count goes with the answer.
            headers = [(name, value) for name, value in headers if not name.lower().startswith("x-ratelimit-")]
            headers += limit_headers
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        answer_iter = self.wsgi_app(environ, capture)
        version = environ.get(ANSWER_MARK)
        if (version is None or not captured.get("status", "").startswith("200 ")
                or any(name.lower() == "set-cookie" for name, _value in captured["headers"])):
            return answer_iter
        if lane is not None and lane.endpoint not in self._learnt:
            self._learnt[lane.endpoint] = tuple(
                (name, value) for name, value in captured["headers"]
                if name.lower() not in _NOT_LEARNT and not name.lower().startswith("x-ratelimit-"))
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
