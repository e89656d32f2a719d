"""Answering a public GET: validators from the data version, 304 on revalidation, and the
serialised body kept in an in-process cache."""
import functools

from flask import current_app, request
from werkzeug.http import http_date, is_resource_modified

from ..access import PUBLIC, rule_for
from ..services.platform.http_cache import AnswerCache, CachedAnswer, DataVersion, entity_tag
from .blueprints import query_key
from .front import ANSWER_MARK


def max_age() -> int:
    return current_app.config.get("API_CACHE_MAX_AGE", 300)


def version_reuse() -> float:
    """Seconds a worker may reuse a data version it read (see services/platform/http_cache.data_version)."""
    return current_app.config.get("API_DATA_VERSION_REUSE_SECONDS", 1.0)


_http_date = functools.lru_cache(maxsize=64)(http_date)  # a version's moment, written once a version


@functools.lru_cache(maxsize=1024)
def _entity_tag(key: tuple, token: str) -> str:
    return entity_tag(*key, token)


def validators(name: str, args: dict, version: DataVersion, query: tuple | None = None) -> tuple[tuple, dict]:
    """The answer's key (resource and query) and the headers that let a client keep and revalidate
    it: ETag and Last-Modified from the data ``version``, Cache-Control for public data. ``query``:
    ``query_key(args)``, when the caller has it."""
    key = (name, query_key(args) if query is None else query)
    return key, {"ETag": _entity_tag(key, version.token), "Last-Modified": _http_date(version.last_modified),
                 "Cache-Control": f"public, max-age={max_age()}"}


def kept_or_built(key: tuple, version: DataVersion, build) -> CachedAnswer | None:
    """The answer kept in this process for ``key`` at ``version``, or the one ``build()`` makes (kept
    then): ``build`` returns ``(payload, headers)`` as ``answer`` describes, or None for no answer."""
    answers: AnswerCache = current_app.extensions["society_api_answers"]
    cached = answers.get((key, version.token))
    if cached is None:
        built = build()
        if built is None:
            return None
        payload, extra = built
        body = payload if isinstance(payload, bytes) else current_app.json.dumps(payload).encode()
        cached = CachedAnswer(body, tuple(extra.items()))
        answers.put((key, version.token), cached)
    return cached


def answer(name: str, args: dict, version: DataVersion, build):
    """Answer a GET for resource ``name`` with query ``args`` at data ``version``.

    304 when the client's If-None-Match / If-Modified-Since still hold (RFC 9110 13.2.2, as
    Werkzeug's ``is_resource_modified`` decides: If-None-Match with the weak comparison when
    present, else If-Modified-Since at one-second resolution); otherwise the serialised answer
    from the in-process cache, built with ``build()`` on a miss. ``build`` returns
    ``(payload, headers)``: ``payload`` already dumped by its schema (or the body's bytes,
    already serialised), ``headers`` a dict of extra headers (Link, X-Pagination)."""
    key, cache_headers = validators(name, args, version)
    etag = cache_headers["ETag"]
    fresh = not is_resource_modified(request.environ, etag=etag, last_modified=version.last_modified)
    # "If-None-Match: *" holds only if the resource exists: let build() find out (it may 404).
    if fresh and "*" not in request.headers.get("If-None-Match", ""):
        return current_app.response_class(status=304, headers=cache_headers)
    cached = kept_or_built(key, version, build)
    if fresh:
        return current_app.response_class(status=304, headers=cache_headers)
    response = current_app.response_class(cached.body, mimetype="application/json")
    if rule_for(request.endpoint, current_app.view_functions[request.endpoint]) == (PUBLIC,):
        request.environ[ANSWER_MARK] = version  # AnswerFront may repeat it while the version holds
    response.headers.extend(cached.headers)
    response.headers.extend(cache_headers)
    return response
