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
    {"prerequisite": {"membership_throughout": True, "from_step": "seminars"}},
    {"only": {"min_group_size": 8, "max_group_size": 12, "min_minutes": 90, "fixed_leader": True,
              "supervisor_listed": True}},
    {"after": {"qualification": "psychodynamic_training", "from_training_start": True}},  # UK: during or after
    {"order_before": "accepted", "first": {"min_days": 4}},  # ABS: a first 4-day intensive
    {"one_group": {"more_than": 0.5}, "only": {"with_accredited_leader": True}},  # DBG: mostly in one group
    {"one_group": {"min_share": 0.75}},
])
def test_the_published_kinds_of_rule_are_accepted(constraints):
    ConstraintsSchema().load(constraints)


@pytest.mark.parametrize("constraints", [
    {"prerequisite": {"credential": "anz-leader"}, "span_months": 6},  # a prerequisite stands alone
    {"prerequisite": {"held_months": 24}},
    {"cap": {"where": {"in_person": False}, "max_share": 1.5}},
    {"only": {"any_of": [{"in_person": "sometimes"}]}},
    {"after": {"qualification": "psychotherapy", "step": "leading"}},
    {"prerequisite": {"condition": "indemnity_insured", "from_step": "seminars"}},  # from_step: membership only
    {"only": {"min_group_size": 0}},
    {"after": {"step": "leading", "from_training_start": True}},  # the start of a qualification's training only
    {"after": {"qualification": "psychodynamic_training", "from_training_start": False}},
    {"first": {"min_days": 0}},
    {"one_group": {}},
    {"one_group": {"more_than": 0.5, "min_share": 0.5}},
    {"one_group": {"more_than": 1}},
    {"one_group": {"most": 0.5}},
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


# -- the editor ----------------------------------------------------------------------------

def editor_version(society):
    data = rule_set_data()
    data["versions"][0]["requirements"].append({"label": "A first intensive", "kind": "intensive", "unit": "event",
                                                "minimum": 1, "code": "first-intensive"})
    return rulesets.load_rule_set(data, society).versions[0]


def requirement_form(requirement, **changes) -> dict:
    form = {"label": requirement.label, "clause": str(requirement.clause), "option": requirement.option,
            "kind": requirement.kind, "unit": requirement.unit, "minimum": "24"}
    form.update(changes)
    return form


def test_the_editor_round_trips_code_advisory_source_and_constraints(admin_client, society):
    version = editor_version(society)
    leading = next(r for r in version.requirements if r.code == "leading")
    form = admin_client.get(f"/admin/rule-sets/requirements/{leading.id}/edit").get_data(as_text=True)
    assert 'value="leading"' in form and "&#34;rhythm&#34;" in form and 'value="2026-12-01"' in form
    constraints = {"rhythm": {"period": "month", "at_least": 1, "periods": 24}, "order_before": "first-intensive"}
    response = admin_client.post(f"/admin/rule-sets/requirements/{leading.id}/edit", data=requirement_form(
        leading, code="leading", advisory="y", constraints=json.dumps(constraints), source="ABS handbook p. 4",
        source_checked_on="2026-11-30"))
    assert response.status_code == 302
    saved = db.session.get(type(leading), leading.id)
    assert saved.constraints == constraints and saved.advisory and not saved.unverified
    assert saved.source == "ABS handbook p. 4" and saved.source_checked_on == date(2026, 11, 30)
    page = admin_client.get(f"/admin/rule-sets/versions/{version.id}").get_data(as_text=True)
    assert "advisory, does not block" in page and "ABS handbook p. 4" in page


def test_a_bad_constraint_is_refused_beside_the_field_and_what_was_typed_is_kept(admin_client, society):
    version = editor_version(society)
    leading = next(r for r in version.requirements if r.code == "leading")
    typed = '{"rhythm": {"period": "fortnight", "at_least": 1, "periods": 24}}'
    response = admin_client.post(f"/admin/rule-sets/requirements/{leading.id}/edit",
                                 data=requirement_form(leading, constraints=typed, label="Changed label"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "rhythm.period: Must be one of" in page and 'id="f-constraints-error"' in page
    assert "&#34;fortnight&#34;" in page and 'value="Changed label"' in page
    assert db.session.get(type(leading), leading.id).constraints == RHYTHM


@pytest.mark.parametrize(("typed", "message"), [
    ('{"one_group": {"more_than": 0.5, "min_share": 0.5}}', "one_group: Name exactly one of: more_than, min_share."),
    ('{"after": {"step": "leading", "from_training_start": true}}',
     "after.from_training_start: from_training_start goes with a qualification."),
    ('{"first": {"min_days": 0}}', "first.min_days: Give whole days from 1 to 60."),
])
def test_the_editor_refuses_a_malformed_new_construct_with_a_clear_message(admin_client, society, typed, message):
    version = editor_version(society)
    leading = next(r for r in version.requirements if r.code == "leading")
    response = admin_client.post(f"/admin/rule-sets/requirements/{leading.id}/edit",
                                 data=requirement_form(leading, constraints=typed))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.get(type(leading), leading.id).constraints == RHYTHM


def test_the_editor_accepts_the_new_constructs(admin_client, society):
    version = editor_version(society)
    leading = next(r for r in version.requirements if r.code == "leading")
    typed = '{"one_group": {"more_than": 0.5}, "first": {"min_days": 4}}'
    response = admin_client.post(f"/admin/rule-sets/requirements/{leading.id}/edit",
                                 data=requirement_form(leading, constraints=typed))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(leading), leading.id).constraints == {"one_group": {"more_than": 0.5},
                                                                     "first": {"min_days": 4}}


def test_json_that_does_not_parse_and_an_unknown_step_are_refused(admin_client, society):
    version = editor_version(society)
    leading = next(r for r in version.requirements if r.code == "leading")
    url = f"/admin/rule-sets/requirements/{leading.id}/edit"
    response = admin_client.post(url, data=requirement_form(leading, constraints="{rhythm: monthly"))
    assert response.status_code == 422 and "This is not valid JSON" in response.get_data(as_text=True)
    response = admin_client.post(url, data=requirement_form(leading, constraints='{"order_before": "no-such-step"}'))
    assert response.status_code == 422 and "no-such-step" in response.get_data(as_text=True)
    response = admin_client.post(url, data=requirement_form(leading, code="first-intensive"))
    assert response.status_code == 409 or "Another requirement of this version" in response.get_data(as_text=True)


def test_a_copied_version_keeps_the_constraints_for_new_candidates_and_the_old_one_stays(admin_client, society):
    version = editor_version(society)
    response = admin_client.post(f"/admin/rule-sets/versions/{version.id}/copy",
                                 data={"label": "2027", "effective_from": "2027-01-01", "close_previous": "y"})
    assert response.status_code == 302
    copy = next(v for v in version.rule_set.versions if v.label == "2027")
    copied = next(r for r in copy.requirements if r.code == "leading")
    assert copied.constraints == RHYTHM and copied.source == "https://example.org/rules" and copied.unverified
    assert db.session.get(type(version), version.id).effective_to == date(2026, 12, 31)


def test_membership_of_the_rule_sets_own_society_may_be_written_true():
    ConstraintsSchema().load({"prerequisite": {"membership_throughout": True}})
    with pytest.raises(ValidationError):
        ConstraintsSchema().load({"prerequisite": {"membership_throughout": False}})
