"""The rule language as data: the loader reads constraints, sources and examples; bad constraints are refused."""
import json
from datetime import date

import pytest
from marshmallow import ValidationError

from society.extensions import db
from society.models import RuleSet
from society.schemas.constraints import ConstraintsSchema
from society.services.accreditation import rulesets
from society.services.accreditation.evaluator import snapshot
from society.services.errors import InvalidInput

from . import factories

RHYTHM = {"rhythm": {"period": "month", "at_least": 1, "periods": 24}, "only": {"supervisor_listed": True}}


def rule_set_data(code="xx-leader", constraints=None, **extra) -> dict:
    requirement = {"label": "Lead at least once a month for 2 years", "kind": "leading", "unit": "session",
                   "minimum": 24, "code": "leading", "constraints": constraints if constraints is not None else RHYTHM,
                   "advisory": False, "source": "https://example.org/rules", "source_checked_on": "2026-12-01",
                   "unverified": True}
    return {"society": {"code": "XX", "name": "Example Society", "country": "SE"}, "code": code,
            "credential_title": "Leader", "versions": [{"label": "current", "effective_from": "2020-01-01",
                                                         "requirements": [requirement]}], **extra}


def test_the_loader_keeps_a_requirements_code_constraints_and_source(society):
    rule_set = rulesets.load_rule_set(rule_set_data(is_example=True), society)
    requirement = rule_set.versions[0].requirements[0]
    assert rule_set.is_example
    assert requirement.code == "leading" and requirement.constraints == RHYTHM
    assert requirement.source == "https://example.org/rules" and requirement.source_checked_on == date(2026, 12, 1)
    assert requirement.unverified and not requirement.advisory
    rule = snapshot(rule_set.versions[0]).requirements[0]
    assert rule.constraints == RHYTHM and rule.checked_on == date(2026, 12, 1) and rule.unverified


def test_a_constraint_outside_the_vocabulary_is_refused_by_name(society):
    with pytest.raises(InvalidInput) as refused:
        rulesets.load_rule_set(rule_set_data(constraints={"rhythm": {"period": "fortnight", "at_least": 1,
                                                                     "periods": 2}}), society)
    assert "period" in refused.value.message
    with pytest.raises(InvalidInput) as unknown:
        rulesets.load_rule_set(rule_set_data(code="xx-other", constraints={"every_month": True}), society)
    assert "every_month" in unknown.value.message


def test_an_order_naming_a_step_no_requirement_has_is_refused(society):
    with pytest.raises(InvalidInput) as refused:
        rulesets.load_rule_set(rule_set_data(constraints={"order_before": "first-intensive"}), society)
    assert "first-intensive" in refused.value.message


@pytest.mark.parametrize("constraints", [
    {"prerequisite": {"credential": "anz-leader", "held_months": 24}},
    {"prerequisite": {"qualification": "psychotherapy", "years_since": 3}},
    {"after": {"qualification": "psychotherapy"}, "cap": {"where": {"tags_any": ["study_conference"]},
                                                          "max_share": 0.49}},
    {"share": {"where": {"in_person": True}, "min_share": 0.5}, "first": {"in_person": True},
     "last": {"in_person": True}, "span_months": 6,
     "only": {"any_of": [{"in_person": True}, {"max_minutes": 90, "group_closed": True}]}},
    {"rhythm": {"period": "training_year", "at_least": 10, "periods": 2},
     "only": {"supervisor_credential": "anz-trainer"}},
    {"unit_name": "day"},
])
def test_the_published_kinds_of_rule_are_accepted(constraints):
    ConstraintsSchema().load(constraints)


@pytest.mark.parametrize("constraints", [
    {"prerequisite": {"credential": "anz-leader"}, "span_months": 6},  # a prerequisite stands alone
    {"prerequisite": {"held_months": 24}},
    {"cap": {"where": {"in_person": False}, "max_share": 1.5}},
    {"only": {"any_of": [{"in_person": "sometimes"}]}},
    {"after": {"qualification": "psychotherapy", "step": "leading"}},
])
def test_malformed_constraints_are_refused(constraints):
    with pytest.raises(ValidationError):
        ConstraintsSchema().load(constraints)


def test_a_shipped_file_may_hold_several_rule_sets_of_one_society(society, tmp_path, monkeypatch):
    tmp_path.joinpath("two.json").write_text(json.dumps([rule_set_data("xx-leader"), rule_set_data("xx-trainer")]))
    monkeypatch.setattr(rulesets.resources, "files", lambda _package: tmp_path)
    assert [data["code"] for data in rulesets.shipped_rule_sets("two")] == ["xx-leader", "xx-trainer"]
    assert rulesets.shipped_rule_set("two", "xx-trainer")["code"] == "xx-trainer"
    loaded = rulesets.load_shipped_file("two", society)
    assert [rule_set.code for rule_set in loaded] == ["xx-leader", "xx-trainer"]
    assert db.session.scalar(db.select(db.func.count(RuleSet.id)).where(RuleSet.society_id == society.id)) == 2


def test_every_shipped_rule_set_loads_with_its_constraints_checked(society):
    for name in rulesets.SHIPPED:
        for rule_set in rulesets.load_shipped_file(name, factories.society()):
            assert rule_set.versions, f"{name}: {rule_set.code} has no version"
