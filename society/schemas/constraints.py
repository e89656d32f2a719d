"""A requirement's constraints (the rule language beyond "at least N units"), wherever they enter:
a shipped rule set's JSON, the administrators' editor, a ledger or a what-if draft.

The vocabulary is the docstring of ``services/accreditation/constraints.py``; this schema is its
single check. Unknown keys are refused by name, every validator raises.
"""
import json
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from ..services.accreditation.constraints import PERIODS
from .base import StrictSchema

CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$", error=_l("Use lower-case letters, digits, _ and -."))
SHARE = validate.Range(min=Decimal(0), min_inclusive=False, max=Decimal(1),
                       error=_l("Give a share above 0 and at most 1 (0.5 is half)."))
PREREQUISITES = ("membership_throughout", "credential", "qualification", "condition")
ANCHORS = ("qualification", "credential", "step", "training_started")


def _code(**kwargs) -> fields.String:
    return fields.String(validate=CODE, **kwargs)


def _codes() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(min=1))


class FilterSchema(StrictSchema):
    """Which records match: every key given must hold (``any_of``: one of the filters listed)."""

    in_person = fields.Boolean()
    with_accredited_leader = fields.Boolean()
    group_closed = fields.Boolean()
    fixed_leader = fields.Boolean()
    supervisor_listed = fields.Boolean()
    max_minutes = fields.Integer(validate=validate.Range(min=0, max=1440))
    min_minutes = fields.Integer(validate=validate.Range(min=0, max=1440))
    min_group_size = fields.Integer(validate=validate.Range(min=1, max=1000))
    max_group_size = fields.Integer(validate=validate.Range(min=1, max=1000))
    min_days = fields.Integer(validate=validate.Range(min=1, max=60, error=_l("Give whole days from 1 to 60.")))
    tags_any = _codes()
    tags_none = _codes()
    provider_in = _codes()
    report_kind = _code()
    supervisor_credential = _code()
    co_leader_credential = _code()
    any_of = fields.List(fields.Nested(lambda: FilterSchema()), validate=validate.Length(min=1))


class AnchorSchema(StrictSchema):
    """A day: a qualification obtained, a credential granted, another step's first record, the
    start of training; ``years`` / ``months`` after it."""

    qualification = _code()
    credential = _code()
    step = _code()
    training_started = fields.Boolean(validate=validate.Equal(True, error=_l("Write true or leave it out.")))
    # with a qualification: from the day its training began, not the day it was obtained
    from_training_start = fields.Boolean(validate=validate.Equal(True, error=_l("Write true or leave it out.")))
    years = fields.Integer(validate=validate.Range(min=0, max=50))
    months = fields.Integer(validate=validate.Range(min=0, max=600))

    @validates_schema
    def names_one_day(self, data, **_kwargs):
        if sum(1 for key in ANCHORS if key in data) != 1:
            raise ValidationError(gettext("Name exactly one of: %(keys)s.", keys=", ".join(ANCHORS)))
        if "from_training_start" in data and "qualification" not in data:
            raise ValidationError(gettext("from_training_start goes with a qualification."), "from_training_start")


class RhythmSchema(StrictSchema):
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    at_least = fields.Decimal(required=True, validate=validate.Range(min=Decimal(0), min_inclusive=False,
                                                                     max=Decimal(9999)))
    periods = fields.Integer(required=True, validate=validate.Range(min=1, max=120))


class OneGroupSchema(StrictSchema):
    """The counted records of one group make more than (``more_than``) or at least (``min_share``) a share."""

    more_than = fields.Decimal(validate=validate.Range(min=Decimal(0), max=Decimal(1), max_inclusive=False,
                                                       error=_l("Give a share from 0 up to, not including, 1 "
                                                                "(0.5: more than half).")))
    min_share = fields.Decimal(validate=SHARE)

    @validates_schema
    def names_one_share(self, data, **_kwargs):
        if sum(1 for key in ("more_than", "min_share") if key in data) != 1:
            raise ValidationError(gettext("Name exactly one of: %(keys)s.", keys="more_than, min_share"))


class CapSchema(StrictSchema):
    where = fields.Nested(FilterSchema, required=True)
    max_share = fields.Decimal(required=True, validate=SHARE)


class ShareSchema(StrictSchema):
    where = fields.Nested(FilterSchema, required=True)
    min_share = fields.Decimal(required=True, validate=SHARE)


def _society_or_true(value) -> None:
    if value is True or (isinstance(value, str) and 1 <= len(value) <= 20 and value.strip() == value):
        return
    raise ValidationError(gettext("Give a society's code, or true for the society whose rule set it is."))


class PrerequisiteSchema(StrictSchema):
    # A society's code, or true: the society whose rule set it is.
    membership_throughout = fields.Raw(validate=lambda value: _society_or_true(value))
    credential = _code()
    held_months = fields.Integer(validate=validate.Range(min=0, max=600))
    qualification = _code()
    years_since = fields.Integer(validate=validate.Range(min=0, max=50))
    condition = _code()
    # membership_throughout only: from another step's first record, not from the start of training
    from_step = _code()

    @validates_schema
    def names_one_fact(self, data, **_kwargs):
        if sum(1 for key in PREREQUISITES if key in data) != 1:
            raise ValidationError(gettext("Name exactly one of: %(keys)s.", keys=", ".join(PREREQUISITES)))
        if "held_months" in data and "credential" not in data:
            raise ValidationError(gettext("held_months goes with a credential."), "held_months")
        if "years_since" in data and "qualification" not in data:
            raise ValidationError(gettext("years_since goes with a qualification."), "years_since")
        if "from_step" in data and "membership_throughout" not in data:
            raise ValidationError(gettext("from_step goes with membership_throughout."), "from_step")


class ConstraintsSchema(StrictSchema):
    """What a requirement asks beyond its minimum (see services/accreditation/constraints.py)."""

    only = fields.Nested(FilterSchema)
    after = fields.Nested(AnchorSchema)
    before = fields.Nested(AnchorSchema)
    rhythm = fields.Nested(RhythmSchema)
    span_months = fields.Integer(validate=validate.Range(min=1, max=600))
    order_before = _code()
    cap = fields.Nested(CapSchema)
    share = fields.Nested(ShareSchema)
    one_group = fields.Nested(OneGroupSchema)
    first = fields.Nested(FilterSchema)
    last = fields.Nested(FilterSchema)
    prerequisite = fields.Nested(PrerequisiteSchema)
    unit_name = fields.String(validate=validate.Length(min=1, max=40))

    @validates_schema
    def prerequisite_stands_alone(self, data, **_kwargs):
        # A prerequisite is a fact about the person, not records: nothing else applies to it.
        others = sorted(set(data) - {"prerequisite", "unit_name"})
        if "prerequisite" in data and others:
            raise ValidationError(gettext("A prerequisite stands alone: remove %(keys)s.", keys=", ".join(others)),
                                  "prerequisite")


def checked_constraints(raw) -> dict | None:
    """``raw`` (parsed JSON, or None) as stored: the same plain data once it passes the schema, None
    when empty. Raises ValidationError with the problems by key."""
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": [gettext("Write the constraints as a JSON object.")]})
    ConstraintsSchema().load(raw)  # raises; the stored form stays the JSON as written (numbers as given)
    return raw


class ConstraintsText(fields.Field):
    """A form's textarea holding a requirement's constraints as JSON: parsed and checked here, so a
    mistake shows beside the field, worded with where it is ("rhythm.period: ...")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(gettext("Write the constraints as a JSON object."))
        text = value
        if not text.strip():
            return None
        try:
            raw = json.loads(text)
        except ValueError as error:
            raise ValidationError(gettext("This is not valid JSON (%(problem)s).", problem=str(error))) from error
        try:
            return checked_constraints(raw)
        except ValidationError as error:
            raise ValidationError(problem_lines(error.messages)) from error


def problem_lines(messages, path: str = "") -> list[str]:
    """marshmallow's nested messages as lines: "rhythm.period: Must be one of: ..."."""
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            where = path if key == "_schema" else (f"{path}.{key}" if path else str(key))
            lines += problem_lines(value, where)
        return lines
    if isinstance(messages, (list, tuple)):
        return [line for message in messages for line in problem_lines(message, path)]
    return [f"{path}: {messages}" if path else str(messages)]


def step_references(requirements: list[dict]) -> list[str]:
    """Codes that ``after``/``before``/``order_before`` name but no requirement of the version has."""
    codes = {r.get("code") for r in requirements if r.get("code")}
    missing = []
    for requirement in requirements:
        rules = requirement.get("constraints") or {}
        named = [rules.get("order_before")] + [(rules.get(k) or {}).get("step") for k in ("after", "before")]
        missing += [code for code in named if code and code not in codes]
    return sorted(set(missing))
