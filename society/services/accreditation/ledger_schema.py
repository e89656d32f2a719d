"""The ledger format as a JSON Schema, generated from the evaluator's dataclasses.

It walks the same annotations as ``ledger_file._convert``, so a field added to ``PersonFacts``
or ``RecordFact`` is in the schema the moment it exists; a field's description is its
``dataclasses.field(metadata={"doc": ...})`` where one is given. ``docs/ledger.schema.json``
is this function's output (``flask --app society rules ledger-schema``), and a test fails when
the two differ.
"""
import dataclasses
import json
import types
import typing
from datetime import date
from decimal import Decimal

from .evaluator import PersonFacts, RecordFact

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
# Descriptions of fields that carry no ``metadata={"doc": ...}`` of their own (a field's own doc wins).
FIELD_DOCS = {
    "PersonFacts": {
        "psychodynamically_trained": "Has psychoanalytic or psychodynamic training (options for such candidates apply).",
        "psychotherapy_qualified": "Holds a psychotherapy qualification on the day evaluated.",
        "training_started_on": "The day leader training started (windows before/after training count from it).",
    },
    "RecordFact": {
        "kind": "What was done: participation, co_leading, leading, intensive, supervision, supervisor_report, "
                "portfolio.",
        "occurred_on": "The day it happened (YYYY-MM-DD); records after the day evaluated never count.",
        "unit": "The unit it was logged in: session, double_session, hour, case_discussion, event.",
        "units": "How many of the unit.",
        "minutes": "Its length in minutes (units with a length, such as hours, are counted from minutes).",
        "in_person": "Whether it took place in person (false: online).",
        "with_accredited_leader": "Whether an accredited leader led it, on its date.",
    },
}


def ledger_schema() -> dict:
    """The JSON Schema of a ledger file (what ``ledger_file.load_ledger`` accepts)."""
    definitions: dict[str, dict] = {}
    return {
        "$schema": DRAFT,
        "$id": "https://balint-registry.example/schemas/ledger.schema.json",
        "title": "Balint training ledger",
        "description": "A person's facts and training records, for evaluating them against a rule set "
                       "or importing them into the registry (recognition of prior learning).",
        "type": "object",
        "required": ["rule_set", "records"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string", "description": "The address of this schema, for editors."},
            "description": {"type": "string", "description": "Free text about the ledger; ignored."},
            "rule_set": {"type": "string", "pattern": r"^\s*[^@\s][^@]*(@.+)?$",
                         "description": "The rule set's code, optionally followed by @ and a version label "
                                        "(without one, the version in force on the day evaluated)."},
            "on": {"type": "string", "format": "date",
                   "description": "The day the ledger is meant to be judged on (YYYY-MM-DD); the evaluate command "
                                  "uses it when no --on is given."},
            "person": {**_reference(PersonFacts, definitions),
                       "description": "Facts about the person that rules look at."},
            "records": {"type": "array", "items": _reference(RecordFact, definitions),
                        "description": "The person's training records, in any order."},
        },
        "$defs": definitions,
    }


def schema_text() -> str:
    """The schema as the file in docs/ holds it."""
    return json.dumps(ledger_schema(), indent=2, ensure_ascii=False) + "\n"


def _reference(cls, definitions: dict) -> dict:
    name = cls.__name__
    if name not in definitions:
        definitions[name] = {}  # a placeholder first: a dataclass may refer to itself
        definitions[name] = _object(cls, definitions)
    return {"$ref": f"#/$defs/{name}"}


def _object(cls, definitions: dict) -> dict:
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        schema = dict(_type(hints[field.name], definitions))
        doc = field.metadata.get("doc") or FIELD_DOCS.get(cls.__name__, {}).get(field.name)
        if doc:
            schema["description"] = str(doc)
        default = _default(field)
        if default is not dataclasses.MISSING:
            schema["default"] = default
        elif field.default_factory is dataclasses.MISSING:
            required.append(field.name)
        properties[field.name] = schema
    described = {"type": "object", "additionalProperties": False, "properties": properties}
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):  # dataclasses invent a docstring
        described = {"description": " ".join(cls.__doc__.split()), **described}
    if required:
        described["required"] = required
    return described


def _type(hint, definitions: dict) -> dict:
    """The JSON Schema of one annotation, as ``ledger_file._convert`` reads it."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        others = [arg for arg in args if arg is not type(None)]
        choices = [_type(arg, definitions) for arg in others]
        if type(None) in args:
            choices.append({"type": "null"})
        return choices[0] if len(choices) == 1 else {"anyOf": choices}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (tuple, list, frozenset, set):
        item = args[0] if args else str
        return {"type": "array", "items": _type(item, definitions)}
    if origin is dict or hint is dict:
        return {"type": "object"}
    if dataclasses.is_dataclass(hint):
        return _reference(hint, definitions)
    if hint is date:
        return DATE
    if hint is Decimal:
        # A number, or its decimal text ("1.5"): both are read exactly.
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is str:
        return {"type": "string"}
    return {}


def _default(field):
    """The field's default as JSON, or MISSING when it has none that JSON can say."""
    if field.default is dataclasses.MISSING:
        if field.default_factory is not dataclasses.MISSING:
            value = field.default_factory()
        else:
            return dataclasses.MISSING
    else:
        value = field.default
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (tuple, frozenset, set)):
        value = list(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return dataclasses.MISSING
    return value
