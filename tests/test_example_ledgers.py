"""The example ledgers under docs/examples/: one per shipped rule set (per version where versions differ),
each meeting its rule set on its day, and not meeting it once its records are taken away."""
import json
from datetime import date
from pathlib import Path

import pytest

from society.models import RuleSet, Society
from society.services.accreditation.evaluator import evaluate, snapshot
from society.services.accreditation.ledger_file import load_ledger
from society.services.accreditation.rulesets import SHIPPED, shipped_by_code, shipped_rule_sets, version_from_data

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
LEDGERS = sorted(EXAMPLES.glob("*.ledger.json"))


def document(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def ledger_of(data: dict):
    # "on" names the day the example is meant for; the loader reads rule_set, person and records.
    return load_ledger({key: value for key, value in data.items() if key != "on"})


def rules_for(reference: str):
    code, _, label = reference.partition("@")
    data = shipped_by_code(code)
    version = version_from_data(next(v for v in data["versions"] if v["label"] == label))
    RuleSet(code=code, society=Society(code=data["society"]["code"]), versions=[version])  # its own society
    return snapshot(version)


def verdict(data: dict, records=None):
    ledger = ledger_of(data)
    version = rules_for(data["rule_set"])
    return evaluate(version, ledger.records if records is None else records, ledger.person,
                    date.fromisoformat(data["on"]))


@pytest.mark.parametrize("path", LEDGERS, ids=[p.name for p in LEDGERS])
def test_the_example_ledger_meets_its_rule_set_on_its_day(path):
    data = document(path)
    report = verdict(data)
    unmet = [r.requirement.code for r in report.requirements if r.blocks]
    assert report.met, f"{path.name}: unmet {unmet}"


@pytest.mark.parametrize("path", LEDGERS, ids=[p.name for p in LEDGERS])
def test_the_example_ledger_without_its_records_does_not_meet_it(path):
    assert not verdict(document(path), records=[]).met


@pytest.mark.parametrize("path", LEDGERS, ids=[p.name for p in LEDGERS])
def test_the_example_ledger_names_its_rule_set_and_says_what_it_shows(path):
    data = document(path)
    code, _, label = data["rule_set"].partition("@")
    assert path.name in (f"{code}.ledger.json", f"{code}@{label}.ledger.json")
    assert data["description"].startswith(f"Meets {code} {label} on {data['on']}")
    assert data["records"] and isinstance(data["person"], dict)


def test_every_shipped_rule_set_and_version_has_an_example_ledger():
    shipped = {f"{d['code']}@{v['label']}" for name in SHIPPED for d in shipped_rule_sets(name) for v in d["versions"]}
    assert {document(path)["rule_set"] for path in LEDGERS} == shipped


def test_the_uk_examples_differ_where_the_versions_do():
    ledgers = {label: document(EXAMPLES / f"uk-leader@{label}.ledger.json") for label in ("2016", "2023")}
    # the 2016 candidate (not registered on Form A) does not meet the 2023 criteria
    old_on_new = dict(ledgers["2016"], rule_set="uk-leader@2023")
    assert verdict(ledgers["2016"]).met and not verdict(old_on_new).met
