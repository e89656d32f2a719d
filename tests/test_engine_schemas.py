"""Every validator of the rule-set and accreditation forms refuses a bad value (marshmallow 4
ignores validators that return False; ours raise)."""
import pytest
from werkzeug.datastructures import MultiDict

from society.schemas.accreditation import MoveVersionSchema, ProgressDaySchema, ReasonedDecisionSchema, StartPathwaySchema
from society.schemas.base import load_form
from society.schemas.rules import CopyVersionSchema, RequirementSchema, RuleSetSchema, VersionSchema

GOOD = {
    RuleSetSchema: {"code": "uk-leader", "credential_title": "Leader"},
    VersionSchema: {"label": "2027", "effective_from": "2027-01-01"},
    CopyVersionSchema: {"label": "2027", "effective_from": "2027-01-01"},
    RequirementSchema: {"label": "Sessions", "clause": "1", "kind": "leading", "unit": "session", "minimum": "20"},
    ReasonedDecisionSchema: {"reason": "Council"},
    MoveVersionSchema: {"reason": "Asked", "version_id": "3"},
    StartPathwaySchema: {"person_id": "1", "rule_set_id": "2", "training_started_on": "2024-01-01"},
    ProgressDaySchema: {},
}

BAD = [
    (RuleSetSchema, "code", "Has Spaces"), (RuleSetSchema, "code", "x" * 41), (RuleSetSchema, "credential_title", ""),
    (VersionSchema, "effective_to", "2026-12-31"), (VersionSchema, "validity_months", "0"),
    (VersionSchema, "warning_days", "90;60"), (VersionSchema, "pace_leading_per_year", "-1"),
    (VersionSchema, "effective_from", "not a date"), (CopyVersionSchema, "effective_from", ""),
    (RequirementSchema, "clause", "0"), (RequirementSchema, "option", "A B"), (RequirementSchema, "kind", "gardening"),
    (RequirementSchema, "also_counts", ["gardening"]), (RequirementSchema, "unit", "fortnight"),
    (RequirementSchema, "minutes_per_unit", "0"), (RequirementSchema, "minimum", "0"),
    (RequirementSchema, "minimum", "-3"), (RequirementSchema, "window_kind", "forever"),
    (RequirementSchema, "applies_if", "rich"), (RequirementSchema, "window_months", "0"),
    (ReasonedDecisionSchema, "reason", ""), (ReasonedDecisionSchema, "public_reason", "x" * 301),
    (MoveVersionSchema, "version_id", "latest"), (StartPathwaySchema, "training_started_on", "soon"),
    (ProgressDaySchema, "on", "2025-13-01"),
]


def form(values: dict) -> MultiDict:
    data = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    return data


@pytest.mark.parametrize("schema", GOOD)
def test_good_values_pass(schema):
    data, errors = load_form(schema(), form(GOOD[schema]))
    assert errors == {} and data is not None


@pytest.mark.parametrize("schema, field, value", BAD)
def test_a_bad_value_is_refused_on_its_field(schema, field, value):
    data, errors = load_form(schema(), form({**GOOD[schema], field: value}))
    assert data is None and field in errors


def test_a_rolling_window_without_months_is_refused():
    _data, errors = load_form(RequirementSchema(), form({**GOOD[RequirementSchema], "window_kind": "rolling_months"}))
    assert "window_months" in errors


def test_warning_days_are_tidied():
    data, _errors = load_form(VersionSchema(), form({**GOOD[VersionSchema], "warning_days": " 30, 90,60,30"}))
    assert data["warning_days"] == "90,60,30"
