"""A ledger as a JSON document: a person's facts and training records, for the evaluator.

The format follows the evaluator's own inputs, so the two cannot drift apart: the keys of
``person`` are the fields of ``PersonFacts``, the keys of each of ``records`` the fields of
``RecordFact`` (nested facts are nested objects, lists are lists). A new field of either
dataclass is a new key of the format the moment it exists.

    {"rule_set": "uk-leader@2023",           # a rule set's code, optionally @ a version label
     "person": {"training_started_on": "2021-01-01", "psychodynamically_trained": false},
     "records": [{"kind": "participation", "occurred_on": "2019-03-04", "unit": "session", "units": 1}]}

``load_ledger`` raises ``LedgerError`` with every problem found (where and what to fix), so a
file with three mistakes is corrected in one round.
"""
import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from .evaluator import PersonFacts, RecordFact


class LedgerError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Ledger:
    rule_set_code: str
    version_label: str | None
    person: PersonFacts
    records: tuple[RecordFact, ...]
    on: date | None = None  # the day the file is meant to be judged on, if it says


def load_ledger(data) -> Ledger:
    """The ledger a parsed JSON document describes; ``LedgerError`` lists what is wrong."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise LedgerError(["the ledger must be a JSON object with rule_set, person and records"])
    unknown = sorted(set(data) - {"rule_set", "person", "records", "on", "$schema", "description"})
    if unknown:
        problems.append(f"unknown top-level keys {unknown}: expected rule_set, on, person, records")
    on = _convert(date, data["on"], "on", problems) if data.get("on") is not None else None
    reference = data.get("rule_set")
    if not isinstance(reference, str) or not reference.strip():
        problems.append('rule_set: give the rule set\'s code, optionally with "@" and a version label')
        reference = ""
    code, _, label = reference.strip().partition("@")
    person = _build(PersonFacts, data.get("person", {}), "person", problems)
    raw_records = data.get("records")
    if not isinstance(raw_records, list):
        problems.append("records: give a list of training records (it may be empty)")
        raw_records = []
    records = tuple(_build(RecordFact, raw, f"records[{index}]", problems) for index, raw in enumerate(raw_records))
    if problems:
        raise LedgerError(problems)
    return Ledger(code, label or None, person, records, on)


def _build(cls, raw, where: str, problems: list[str]):
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an object")
        return None
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        problems.append(f"{where}: unknown keys {unknown}; known: {sorted(fields)}")
    values = {}
    for name, field in fields.items():
        if name in raw:
            values[name] = _convert(hints[name], raw[name], f"{where}.{name}", problems)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            problems.append(f"{where}.{name}: required")
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        problems.append(f"{where}: {error}")
        return None


def _convert(hint, value, where: str, problems: list[str]):
    """``value`` from JSON as the annotated type (date from ISO text, Decimal from a number...)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (hint,) = [arg for arg in args if arg is not type(None)][:1] or (str,)
        return _convert(hint, value, where, problems)
    if origin is tuple:
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list")
            return ()
        item = args[0] if args else str
        return tuple(_convert(item, element, f"{where}[{index}]", problems) for index, element in enumerate(value))
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where, problems)
    if hint is date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            problems.append(f"{where}: expected a date as YYYY-MM-DD, got {value!r}")
            return None
    if hint is Decimal:
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value))
        except InvalidOperation:
            problems.append(f"{where}: expected a number, got {value!r}")
            return None
    if hint is bool:
        if not isinstance(value, bool):
            problems.append(f"{where}: expected true or false, got {value!r}")
        return bool(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: expected a whole number, got {value!r}")
            return 0
        return value
    if hint is str:
        if not isinstance(value, str):
            problems.append(f"{where}: expected text, got {value!r}")
        return str(value)
    return value
