"""Rule sets, versions and requirements as administrators edit them."""
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..models.rules import CONDITIONS, WINDOWS
from ..models.training import RECORD_KINDS, UNITS
from .base import FormSchema
from .constraints import CODE, ConstraintsText


# Texts that are data (a credential's title, a requirement's label) are written in the society's own
# words and translated here for each other interface language; formatting.translated shows them.
TRANSLATION_LANGUAGES = ("sv",)


def translation_fields(name: str, max_length: int) -> dict:
    """The form fields translating ``name``: label_sv, ..."""
    return {f"{name}_{code}": fields.String(load_default=None, validate=validate.Length(max=max_length))
            for code in TRANSLATION_LANGUAGES}


class TranslatedTexts:
    """Folds the fields <text>_<language> into data["translations"] = {language: {text: value or None}}."""

    translated: tuple[str, ...] = ()

    @post_load
    def gather_translations(self, data, **_kwargs):
        data["translations"] = {code: {name: data.pop(f"{name}_{code}", None) for name in self.translated}
                                for code in TRANSLATION_LANGUAGES}
        return data


def translation_values(row, names: tuple[str, ...]) -> dict:
    """A row's translations as the form's values (label_sv, ...)."""
    stored = getattr(row, "translations", None) or {}
    return {f"{name}_{code}": (stored.get(code) or {}).get(name) for name in names for code in TRANSLATION_LANGUAGES}


class ManyValues(fields.List):
    """A form field sent several times (checkboxes, multiple select)."""

    many_values = True


class RuleSetSchema(TranslatedTexts, FormSchema):
    translated = ("credential_title", "description")
    code = fields.String(required=True, validate=[
        validate.Length(max=40),
        validate.Regexp(r"^[a-z0-9][a-z0-9-]*$", error=_l("Use lower-case letters, digits and hyphens.")),
    ], error_messages={"required": _l("Give the rule set a short code.")})
    credential_title = fields.String(required=True, validate=validate.Length(max=200),
                                     error_messages={"required": _l("Name the credential this rule set leads to.")})
    description = fields.String(load_default=None, validate=validate.Length(max=5000))
    # One field per translation language (credential_title_sv, ...), declared here so marshmallow sees them.
    locals().update(translation_fields("credential_title", 200), **translation_fields("description", 5000))


class VersionSchema(TranslatedTexts, FormSchema):
    translated = ("notes",)
    label = fields.String(required=True, validate=validate.Length(max=40),
                          error_messages={"required": _l("Give the version a label, such as the year it took effect.")})
    effective_from = fields.Date(required=True, error_messages={"required": _l("Say from when this version applies.")})
    effective_to = fields.Date(load_default=None)
    validity_months = fields.Integer(load_default=None, validate=validate.Range(min=1, max=600))
    warning_days = fields.String(load_default="90,60,30", validate=validate.Regexp(
        r"^\s*\d{1,4}(\s*,\s*\d{1,4})*\s*$", error=_l("Days before expiry, separated by commas: 90,60,30.")))
    pace_supervision_per_year = fields.Decimal(load_default=None, places=2, validate=validate.Range(min=0, max=1000))
    pace_leading_per_year = fields.Decimal(load_default=None, places=2, validate=validate.Range(min=0, max=1000))
    notes = fields.String(load_default=None, validate=validate.Length(max=5000))
    locals().update(translation_fields("notes", 5000))

    @validates_schema
    def ends_after_it_starts(self, data, **_kwargs):
        if data.get("effective_to") and data.get("effective_from") and data["effective_to"] < data["effective_from"]:
            raise ValidationError(gettext("The version cannot end before it starts."), "effective_to")

    @post_load
    def tidy_warning_days(self, data, **_kwargs):
        days = sorted({int(d) for d in data["warning_days"].split(",") if d.strip()}, reverse=True)
        data["warning_days"] = ",".join(str(d) for d in days)
        return data


class CopyVersionSchema(FormSchema):
    label = fields.String(required=True, validate=validate.Length(max=40),
                          error_messages={"required": _l("Give the new version a label.")})
    effective_from = fields.Date(required=True, error_messages={"required": _l("Say from when the new version applies.")})
    close_previous = fields.Boolean(load_default=False)


class RequirementSchema(TranslatedTexts, FormSchema):
    translated = ("label",)
    clause = fields.Integer(required=True, validate=validate.Range(min=1, max=99))
    option = fields.String(load_default="a", validate=validate.Regexp(
        r"^[a-z0-9]{1,8}$", error=_l("One to eight lower-case letters or digits, such as a, b, c.")))
    applies_if = fields.String(load_default=None, validate=validate.OneOf(CONDITIONS))
    label = fields.String(required=True, validate=validate.Length(max=200),
                          error_messages={"required": _l("Describe the requirement as candidates will read it.")})
    kind = fields.String(required=True, validate=validate.OneOf(RECORD_KINDS))
    also_counts = ManyValues(fields.String(validate=validate.OneOf(RECORD_KINDS)), load_default=list)
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    minutes_per_unit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1440))
    minimum = fields.Decimal(required=True, places=2, validate=validate.Range(
        min=Decimal(0), min_inclusive=False, max=Decimal(999999), error=_l("Give a minimum above 0.")))
    window_kind = fields.String(load_default="none", validate=validate.OneOf(WINDOWS))
    window_months = fields.Integer(load_default=None, validate=validate.Range(min=1, max=240))
    requires_accredited_leader = fields.Boolean(load_default=False)
    in_person_only = fields.Boolean(load_default=False)
    # The rule language beyond the minimum (schemas/constraints.py), and where the rule comes from.
    code = fields.String(load_default=None, validate=CODE)
    advisory = fields.Boolean(load_default=False)
    constraints = ConstraintsText(load_default=None)
    source = fields.String(load_default=None, validate=validate.Length(max=300))
    source_checked_on = fields.Date(load_default=None)
    unverified = fields.Boolean(load_default=False)
    locals().update(translation_fields("label", 200))

    @validates_schema
    def rolling_window_has_months(self, data, **_kwargs):
        if data.get("window_kind") == "rolling_months" and not data.get("window_months"):
            raise ValidationError(gettext("Say how many months the rolling window spans."), "window_months")
