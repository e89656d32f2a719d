"""Public blueprints: mounted on /api/v1, under one per-address rate limit, with query schemas
that refuse unknown parameters."""
import copy
from datetime import date, datetime
from typing import NamedTuple

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser

from ..extensions import limiter

API_PREFIX = "/api/"
API_V1 = "/api/v1"  # the same as OPENAPI_URL_PREFIX; public_blueprint mounts here by default
RATE_LIMIT_SCOPE = "public-api"  # one counter per client address for every public endpoint
# Where webargs may report errors; their messages come nested by location.
ARGUMENT_LOCATIONS = {"query", "querystring", "json", "form", "json_or_form", "headers", "cookies", "files",
                      "view_args", "path"}


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
        parsed, flat, _key = self.kept_query(argmap, req, location=location, **kwargs)
        # A copy, so a view may change its arguments: for the usual query (values and lists of values)
        # a copy of each list, at a tenth of what a deep copy costs.
        return {name: list(value) if type(value) is list else value for name, value in parsed.items()} if flat \
            else copy.deepcopy(parsed)

    def kept_query(self, schema: Schema, req=None, *, location: str = "query", **kwargs) -> "KeptQuery":
        """The arguments of a valid query as parsed the first time and kept (to read, never to change),
        with their key: ``parse`` copies them for a view; the API front's lanes only read them. An invalid
        query raises as ``parse`` does."""
        memo_key = (id(schema), str(kwargs.get("unknown")), (req or request).query_string)
        kept = self._memo.get(memo_key)
        if kept is None:
            parsed = super().parse(schema, req, location=location, **kwargs)
            kept = KeptQuery(parsed, all(_flat(value) for value in parsed.values()), query_key(parsed))
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            self._memo[memo_key] = kept
        return kept


class KeptQuery(NamedTuple):
    arguments: dict
    flat: bool  # values and lists of values only: copied one level deep
    key: tuple  # ``query_key(arguments)``


def query_key(args: dict) -> tuple:
    """A hashable, order-independent form of parsed query arguments."""
    def plain(value):
        if isinstance(value, (list, tuple, set)):
            return tuple(sorted(plain(v) for v in value))
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return value

    return tuple(sorted((name, plain(value)) for name, value in args.items()))


class PublicBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictQueryParser()


def public_blueprint(name: str, import_name: str, **options) -> Blueprint:
    """A flask-smorest Blueprint mounted on /api/v1, under the shared per-address rate limit.
    Expose it as ``api_bp`` in the package; mark its MethodViews ``_access = (PUBLIC,)``."""
    options.setdefault("url_prefix", API_V1)
    blueprint = PublicBlueprint(name, import_name, **options)
    limiter.shared_limit(_rate_limit, scope=RATE_LIMIT_SCOPE, exempt_when=_counted_by_front)(blueprint)
    return blueprint


def _counted_by_front() -> bool:
    # api.AnswerFront counted this request already (same storage, same key): never twice.
    return bool(request.environ.get("society.api.counted"))


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


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


_IMMUTABLE = (str, int, float, bool, type(None), date, datetime)


def _flat(value) -> bool:
    """A value a one-level copy copies: immutable, or a list of immutable values."""
    return isinstance(value, _IMMUTABLE) or (type(value) is list and all(isinstance(v, _IMMUTABLE) for v in value))
