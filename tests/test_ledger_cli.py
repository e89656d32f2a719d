"""``flask rules evaluate`` judges a ledger file against a rule set; ``flask rules ledger-schema`` prints
the ledger's JSON Schema, which docs/ledger.schema.json holds."""
import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest

from society.extensions import db
from society.services.accreditation.ledger_file import LedgerError, load_ledger
from society.services.accreditation.ledger_schema import ledger_schema, schema_text

from . import factories

DOCS = Path(__file__).resolve().parent.parent / "docs"


def uk_ledger(*, sessions=20, rule_set="uk-leader@2016"):
    """A UK candidate's ledger meeting the 2016 criteria when ``sessions`` is 20."""
    weekly = [date(2019, 1, 7) + timedelta(weeks=i) for i in range(20)]
    records = [{"kind": "participation", "occurred_on": day.isoformat()} for day in weekly[:sessions]]
    records += [{"kind": "co_leading", "occurred_on": (day + timedelta(days=400)).isoformat()} for day in weekly]
    records += [{"kind": "intensive", "unit": "event", "occurred_on": "2020-05-02"},
                {"kind": "intensive", "unit": "event", "occurred_on": "2020-10-03"},
                {"kind": "supervisor_report", "unit": "event", "occurred_on": "2021-02-01"}]
    return {"rule_set": rule_set, "person": {"training_started_on": "2019-01-01"}, "records": records}


def write(tmp_path, data, name="ledger.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


@pytest.fixture
def uk_in_database(society):
    # The command's behaviour, on the UK rules as they stood before the published rules were checked
    # point by point (the shipped ones are tested by test_published_rules and test_example_ledgers).
    rule_set = factories.frozen_rule_set(society, "uk")
    db.session.commit()
    return rule_set


def run(runner, *args):
    return runner.invoke(args=["rules", "evaluate", *args])


def test_a_ledger_that_meets_the_rules_prints_met_and_every_requirement(runner, tmp_path, uk_in_database):
    result = run(runner, "uk-leader@2016", write(tmp_path, uk_ledger()), "--on", "2022-01-01")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert (verdict["met"], verdict["rule_set"], verdict["version"], verdict["on"]) == (True, "uk-leader", "2016", "2022-01-01")
    by_code = {r["code"]: r for r in verdict["requirements"]}
    assert set(by_code) == {"1a", "1b", "1c", "2a", "3a", "4a"}
    assert by_code["1a"] | {"window": None} == {
        "code": "1a", "met": True, "have": 20, "need": 20, "missing": 0, "source": None,
        "label": "Group membership: at least 20 sessions", "kind": "participation", "unit": "session", "clause": 1,
        "option": "a", "applies": True, "clause_met": True, "window": None, "checks": [], "share": None, "capped": None}
    # The psychodynamic alternative does not apply to this candidate: it meets nothing for them.
    assert by_code["1b"]["applies"] is False and by_code["1b"]["met"] is False


def test_without_the_supervisors_report_it_is_not_met_and_still_exits_0(runner, tmp_path, uk_in_database):
    ledger = uk_ledger()
    ledger["records"] = [r for r in ledger["records"] if r["kind"] != "supervisor_report"]
    result = run(runner, "uk-leader@2016", write(tmp_path, ledger), "--on", "2022-01-01")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    report = next(r for r in verdict["requirements"] if r["code"] == "4a")
    assert verdict["met"] is False and (report["met"], report["have"], report["missing"]) == (False, 0, 1)


def test_one_session_short_the_weekends_alternative_still_meets_the_clause(runner, tmp_path, uk_in_database):
    result = run(runner, "uk-leader@2016", write(tmp_path, uk_ledger(sessions=19)), "--on", "2022-01-01")
    by_code = {r["code"]: r for r in json.loads(result.output)["requirements"]}
    assert (by_code["1a"]["met"], by_code["1a"]["have"], by_code["1a"]["missing"]) == (False, 19, 1)
    assert by_code["1c"]["met"] and by_code["1a"]["clause_met"]


def test_an_emptied_ledger_is_not_met(runner, tmp_path, uk_in_database):
    result = run(runner, "uk-leader", write(tmp_path, {**uk_ledger(), "records": []}), "--on", "2022-01-01")
    assert result.exit_code == 0 and json.loads(result.output)["met"] is False


def test_without_a_version_the_one_in_force_on_the_day_is_used(runner, tmp_path, uk_in_database):
    for day, label in (("2022-01-01", "2016"), ("2024-01-01", "2023")):
        result = run(runner, "uk-leader", write(tmp_path, uk_ledger(rule_set="anything")), "--on", day)
        assert json.loads(result.output)["version"] == label


def test_records_after_the_day_do_not_count(runner, tmp_path, uk_in_database):
    result = run(runner, "uk-leader@2016", write(tmp_path, uk_ledger()), "--on", "2019-06-01")
    verdict = json.loads(result.output)
    assert verdict["met"] is False and verdict["requirements"][0]["have"] == 20  # all 20 sessions were before
    assert next(r for r in verdict["requirements"] if r["code"] == "2a")["have"] == 0


def test_the_shipped_rule_sets_can_be_used_without_a_database_copy_on_the_ledgers_own_day(runner, tmp_path):
    example = json.loads((DOCS / "examples" / "uk-leader@2016.ledger.json").read_text(encoding="utf-8"))
    path = write(tmp_path, example)
    assert "--shipped" in run(runner, "uk-leader@2016", path).output
    result = run(runner, "uk-leader@2016", path, "--shipped")  # no --on: the file's own "on"
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["met"] is True and verdict["on"] == example["on"]
    assert all(r["source"] for r in verdict["requirements"])  # every shipped requirement names its source


@pytest.mark.parametrize("contents, message", [
    ("{not json", "is not JSON"),
    (json.dumps({"rule_set": "uk-leader", "records": [{"kind": "participation", "occurred_on": "May"}]}),
     "records[0].occurred_on: expected a date as YYYY-MM-DD"),
])
def test_a_bad_file_fails_with_what_is_wrong(runner, tmp_path, uk_in_database, contents, message):
    result = run(runner, "uk-leader", write(tmp_path, contents))
    assert result.exit_code != 0 and message in result.output


def test_an_unknown_rule_set_or_version_fails_clearly(runner, tmp_path, uk_in_database):
    path = write(tmp_path, uk_ledger())
    unknown = run(runner, "nowhere", path)
    assert unknown.exit_code != 0 and "no rule set with code 'nowhere'" in unknown.output
    version = run(runner, "uk-leader@1999", path)
    assert version.exit_code != 0 and "has no version '1999'" in version.output


def test_the_ledger_schema_command_prints_the_file_in_docs(runner):
    result = runner.invoke(args=["rules", "ledger-schema"])
    assert result.exit_code == 0
    assert result.output == schema_text()
    assert (DOCS / "ledger.schema.json").read_text(encoding="utf-8") == result.output, (
        "docs/ledger.schema.json is out of date: "
        ".venv/bin/flask --app society rules ledger-schema > docs/ledger.schema.json")


def test_the_schema_is_a_valid_json_schema_and_follows_the_evaluators_fields():
    schema = ledger_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    from dataclasses import fields

    from society.services.accreditation.evaluator import PersonFacts, RecordFact
    assert set(schema["$defs"]["RecordFact"]["properties"]) == {f.name for f in fields(RecordFact)}
    assert set(schema["$defs"]["PersonFacts"]["properties"]) == {f.name for f in fields(PersonFacts)}
    assert schema["$defs"]["RecordFact"]["required"] == ["kind", "occurred_on"]


def example_ledgers():
    return [uk_ledger(), *(json.loads(p.read_text(encoding="utf-8")) for p in sorted((DOCS / "examples").glob("*.json")))]


@pytest.mark.parametrize("ledger", example_ledgers())
def test_sample_ledgers_validate_against_the_schema_and_load(ledger):
    jsonschema.Draft202012Validator(ledger_schema(), format_checker=jsonschema.FormatChecker()).validate(ledger)
    assert load_ledger(ledger).records


@pytest.mark.parametrize("mistake", [
    {"records": [{"kind": "participation"}]},                                      # no date
    {"records": [{"kind": "participation", "occurred_on": "2020-13-45x"}]},         # not a date
    {"records": [{"kind": "participation", "occurred_on": "2020-01-01", "units": True}]},
    {"records": [{"kind": "participation", "occurred_on": "2020-01-01", "colour": "red"}]},
    {"person": {"psychodynamically_trained": "yes"}},
    {"rule_set": ""},
])
def test_the_schema_and_load_ledger_refuse_the_same_mistakes(mistake):
    ledger = {**uk_ledger(), **mistake}
    assert list(jsonschema.Draft202012Validator(ledger_schema(), format_checker=jsonschema.FormatChecker())
                .iter_errors(ledger))
    with pytest.raises(LedgerError):
        load_ledger(ledger)
