"""Serialising a large answer through its output schema, fast.

marshmallow's ``dump`` walks every field of every item through several layers of calls: for
a directory page of 50 groups it cost about as much as building the page from the database.
``dumper(schema)`` compiles the schema once into plain functions that do what ``dump`` does
for the data a service already shaped: only the schema's declared fields are written (so the
schema stays the allowlist of what is published), under their ``data_key``, nested schemas and
lists of them recursively, dates and datetimes as ISO 8601. A field of any other kind (a
method, a function, a custom field) is serialised by the field itself, as ``dump`` would.
``tests/test_public_api.py`` holds the compiled form to ``dump`` on the demo data.
"""
from collections.abc import Callable
from datetime import date, datetime

from marshmallow import Schema, fields

# Fields whose serialised form is the value itself, for values of the right type.
_PLAIN = (fields.String, fields.Integer, fields.Boolean)


def dumper(schema: Schema) -> Callable[[dict], dict]:
    """A function equivalent to ``schema.dump(obj)`` for a dict ``obj`` (not for ``many``)."""
    steps = [(field.attribute or name, field.data_key or name, _field_dumper(field))
             for name, field in schema.dump_fields.items()]

    def dump(obj: dict) -> dict:
        return {key: convert(obj[name]) for name, key, convert in steps if name in obj}

    return dump


def _field_dumper(field: fields.Field) -> Callable:
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema) and not field.many:
        inner = dumper(field.schema)
        return lambda value: None if value is None else inner(value)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested) and not field.inner.many:
        inner = dumper(field.inner.schema)
        return lambda value: None if value is None else [inner(item) for item in value]
    if isinstance(field, fields.List) and isinstance(field.inner, _PLAIN):
        return lambda value: None if value is None else list(value)
    if type(field) in (fields.Date, fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime) \
            and field.format in (None, "iso", "iso8601"):
        return _iso
    if type(field) in _PLAIN:
        return _same
    return lambda value: field._serialize(value, None, None)


def _same(value):
    return value


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
