"""Answering a public GET: validators from the data version, 304 on revalidation, and the
serialised body kept in an in-process cache."""
import functools

from flask import current_app, request
from werkzeug.http import http_date, is_resource_modified

from ..access import PUBLIC, rule_for
from ..services.platform.http_cache import AnswerCache, CachedAnswer, DataVersion, entity_tag
from .blueprints import query_key
from .front import ANSWER_MARK


def max_age(app=None) -> int:
    """Seconds a client may keep a public answer (Cache-Control)."""
    return (app or current_app).config.get("API_CACHE_MAX_AGE", 300)


def version_reuse() -> float:
    """Seconds a worker may reuse a data version it read (see services/platform/http_cache.data_version)."""
    return current_app.config.get("API_DATA_VERSION_REUSE_SECONDS", 1.0)


_http_date = functools.lru_cache(maxsize=64)(http_date)  # a version's moment, written once a version


@functools.lru_cache(maxsize=1024)
def _entity_tag(key: tuple, token: str) -> str:
    return entity_tag(*key, token)


def validators(name: str, query: tuple, version: DataVersion, max_age_seconds: int) -> dict:
    """The headers that let a client keep and revalidate the answer for resource ``name`` asked with
    ``query`` (``query_key`` of its arguments) at data ``version``: ETag and Last-Modified from the
    version, Cache-Control for public data. Plain values, no application context: the API front's too."""
    return {"ETag": _entity_tag((name, query), version.token), "Last-Modified": _http_date(version.last_modified),
            "Cache-Control": f"public, max-age={max_age_seconds}"}


def answer(name: str, args: dict, version: DataVersion, build):
    """Answer a GET for resource ``name`` with query ``args`` at data ``version``.

    304 when the client's If-None-Match / If-Modified-Since still hold (RFC 9110 13.2.2, as
    Werkzeug's ``is_resource_modified`` decides: If-None-Match with the weak comparison when
    present, else If-Modified-Since at one-second resolution); otherwise the serialised answer
    from the in-process cache, built with ``build()`` on a miss. ``build`` returns
    ``(payload, headers)``: ``payload`` already dumped by its schema (or the body's bytes,
    already serialised), ``headers`` a dict of extra headers (Link, X-Pagination)."""
    key = (name, query_key(args))
    cache_headers = validators(name, key[1], version, max_age())
    etag = cache_headers["ETag"]
    fresh = not is_resource_modified(request.environ, etag=etag, last_modified=version.last_modified)
    # "If-None-Match: *" holds only if the resource exists: let build() find out (it may 404).
    if fresh and "*" not in request.headers.get("If-None-Match", ""):
        return current_app.response_class(status=304, headers=cache_headers)
    answers: AnswerCache = current_app.extensions["society_api_answers"]
    cached = answers.get((key, version.token))
    if cached is None:
        payload, extra = build()
        body = payload if isinstance(payload, bytes) else current_app.json.dumps(payload).encode()
        cached = CachedAnswer(body, tuple(extra.items()))
        answers.put((key, version.token), cached)
    if fresh:
        return current_app.response_class(status=304, headers=cache_headers)
    response = current_app.response_class(cached.body, mimetype="application/json")
    if rule_for(request.endpoint, current_app.view_functions[request.endpoint]) == (PUBLIC,):
        request.environ[ANSWER_MARK] = version  # AnswerFront may repeat it while the version holds
    response.headers.extend(cached.headers)
    response.headers.extend(cache_headers)
    return response
