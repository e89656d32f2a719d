"""A ledger file judged against a rule set: the JSON verdict of ``flask rules evaluate``.

The rule set comes from the database (by its code; the version named, else the one in force on
the day) or, asked for, from the shipped JSON files. The verdict is plain JSON:
``{"met", "rule_set", "version", "on", "requirements": [{"code", "met", "have", "need", "source",
"label", "missing", ...}]}``; a requirement's ``code`` is its clause and option ("1a"), with a
running number when the option has several requirements ("2a-1", "2a-2").
"""
import dataclasses
from datetime import date
from decimal import Decimal

from ...extensions import db
from ...models import RuleSet, Society
from ..errors import NotFound
from . import rulesets
from .evaluator import ProgressReport, RequirementProgress, evaluate, snapshot
from .ledger_file import Ledger

# Fields of RequirementProgress the verdict words itself; any other field is passed on as it is.
WORDED = {"requirement", "counted", "missing", "met", "window"}


def version_for(code: str, label: str | None, on: date, *, society_code: str | None = None,
                shipped: bool = False):
    """The rule-set version to evaluate against: ``(rule set code, version model)``.

    From the database unless ``shipped``; the version labelled ``label``, else the one in force on ``on``.
    """
    if shipped:
        versions, found = _shipped(code)
    else:
        versions, found = _stored(code, society_code)
    if label:
        chosen = next((v for v in versions if v.label == label), None)
        if chosen is None:
            raise NotFound(f"rule set {found} has no version {label!r}; it has {sorted(v.label for v in versions)}")
        return found, chosen
    in_force = [v for v in versions if v.in_force_on(on)]
    if not in_force:
        raise NotFound(f"no version of rule set {found} is in force on {on.isoformat()}; name one with {found}@LABEL")
    return found, max(in_force, key=lambda v: v.effective_from)


def _stored(code: str, society_code: str | None):
    statement = db.select(RuleSet).where(RuleSet.code == code)
    if society_code:
        statement = statement.join(Society).where(Society.code == society_code)
    found = list(db.session.scalars(statement))
    if not found:
        hint = " (--shipped evaluates against the shipped rule sets)" if _shipped_data(code) else ""
        raise NotFound(f"no rule set with code {code!r} in the database{hint}")
    if len(found) > 1:
        raise NotFound(f"several societies have a rule set {code!r}: name the society with --society")
    return list(found[0].versions), code


def _shipped_data(code: str) -> dict | None:
    return rulesets.shipped_by_code(code)


def _shipped(code: str):
    data = _shipped_data(code)
    if data is None:
        codes = sorted(r["code"] for name in rulesets.SHIPPED for r in rulesets.shipped_rule_sets(name))
        raise NotFound(f"no shipped rule set with code {code!r}; shipped: {codes}")
    versions = [rulesets.version_from_data(version) for version in data["versions"]]
    # Unsaved, but with their own society: "membership throughout" means membership of it.
    RuleSet(code=code, society=Society(code=data["society"]["code"]), versions=versions)
    return versions, code


def evaluate_ledger(ledger: Ledger, on: date, *, reference: str | None = None, society_code: str | None = None,
                    shipped: bool = False) -> dict:
    """The JSON verdict of ``ledger`` on ``on``; ``reference`` ("code[@label]") overrides the file's rule set."""
    code, label = ledger.rule_set_code, ledger.version_label
    if reference:
        code, _, label = reference.strip().partition("@")
        label = label or None
    found, version = version_for(code, label, on, society_code=society_code, shipped=shipped)
    report = evaluate(snapshot(version), ledger.records, ledger.person, on)
    return verdict(report, found)


def verdict(report: ProgressReport, rule_set_code: str) -> dict:
    return {
        "met": report.met,
        "rule_set": rule_set_code,
        "version": report.version_label,
        "on": report.on.isoformat(),
        "requirements": requirement_verdicts(report),
    }


def requirement_verdicts(report: ProgressReport) -> list[dict]:
    """One entry per requirement, in the report's order, with a stable code."""
    entries = []
    for clause in report.clauses:
        for option in clause.options:
            several = len(option.requirements) > 1
            for index, progress in enumerate(option.requirements, start=1):
                code = f"{clause.clause}{option.option}" + (f"-{index}" if several else "")
                entries.append(_requirement(code, progress, option.applies, clause.met))
    return entries


def _requirement(code: str, progress: RequirementProgress, applies: bool, clause_met: bool) -> dict:
    rule = progress.requirement
    entry = {
        "code": code,
        # Counted enough, in an option that applies to the person (an option that does not apply meets nothing).
        "met": progress.met and applies,
        "have": _number(progress.counted),
        "need": _number(progress.minimum),
        "missing": _number(progress.missing),
        "source": getattr(rule, "source", None),
        "label": rule.label,
        "kind": rule.kind,
        "unit": rule.unit,
        "clause": rule.clause,
        "option": rule.option,
        "applies": applies,
        "clause_met": clause_met,
        "window": {"kind": progress.window.kind, "start": _json(progress.window.start),
                   "end": _json(progress.window.end)},
    }
    for field in dataclasses.fields(progress):
        if field.name not in WORDED and field.name not in entry:
            entry[field.name] = _json(getattr(progress, field.name))
    return entry


def _number(value: Decimal) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _json(value):
    """Plain JSON of a report value: dates as ISO text, decimals as numbers, dataclasses as objects."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _number(value)
    if dataclasses.is_dataclass(value):
        return {f.name: _json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json(v) for v in value]
    return str(value)
