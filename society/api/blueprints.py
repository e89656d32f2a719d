"""Public blueprints: mounted on /api/v1, under one per-address rate limit, with query schemas
that refuse unknown parameters."""
import copy

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
