"""A ledger file becomes the evaluator's own inputs, or a list of every mistake in it."""
from datetime import date
from decimal import Decimal

import pytest

from society.services.accreditation.ledger_file import LedgerError, load_ledger


def test_a_ledger_gives_the_evaluators_person_and_records():
    ledger = load_ledger({
        "rule_set": "uk-leader@2023",
        "person": {"training_started_on": "2021-01-01", "psychodynamically_trained": True},
        "records": [{"kind": "participation", "occurred_on": "2019-03-04", "unit": "hour", "units": "1.5",
                     "minutes": 90, "in_person": False}],
    })
    assert (ledger.rule_set_code, ledger.version_label) == ("uk-leader", "2023")
    assert ledger.person.training_started_on == date(2021, 1, 1) and ledger.person.psychodynamically_trained
    (record,) = ledger.records
    assert (record.kind, record.occurred_on, record.units, record.minutes, record.in_person) == (
        "participation", date(2019, 3, 4), Decimal("1.5"), 90, False)


def test_a_rule_set_without_a_version_means_the_version_in_force():
    assert load_ledger({"rule_set": "us-cbgl", "person": {}, "records": []}).version_label is None


def test_every_mistake_is_reported_with_where_it_is():
    with pytest.raises(LedgerError) as raised:
        load_ledger({"rule_set": "", "person": {"trained": True},
                     "records": [{"kind": "participation", "occurred_on": "4 March"}, {"occurred_on": "2020-01-01"}]})
    problems = raised.value.problems
    assert any(p.startswith("rule_set:") for p in problems)
    assert any("person: unknown keys ['trained']" in p for p in problems)
    assert any("records[0].occurred_on: expected a date as YYYY-MM-DD" in p for p in problems)
    assert "records[1].kind: required" in problems


def test_a_qualification_whose_training_begins_after_it_was_obtained_is_refused_with_where_it_is():
    with pytest.raises(LedgerError) as raised:
        load_ledger({"rule_set": "uk-leader", "records": [], "person": {"qualifications": [
            {"code": "psychodynamic_training", "obtained_on": "2020-06-30", "training_started_on": "2020-07-01"}]}})
    assert any(p.startswith("person.qualifications[0]:") and "cannot begin after" in p for p in raised.value.problems)


def test_a_records_days_and_group_and_a_qualifications_training_start_are_read():
    ledger = load_ledger({"rule_set": "de-leiter", "person": {"qualifications": [
        {"code": "psychodynamic_training", "obtained_on": "2020-06-30", "training_started_on": "2017-09-01"}]},
        "records": [{"kind": "intensive", "occurred_on": "2020-01-01", "unit": "event", "days": 4,
                     "group": "Balintgruppe Köln"}]})
    assert ledger.person.training_started_for("psychodynamic_training") == date(2017, 9, 1)
    assert (ledger.records[0].days, ledger.records[0].group) == (4, "Balintgruppe Köln")
