"""Rule sets as data: loading the shipped examples (or any society's own) from JSON.

A shipped file (``society/rulesets/<name>.json``) holds one rule set or a list of them (a society
with several credentials, one the prerequisite of another: leader and Leader Trainer). Per rule set:
``society``, ``code``, ``credential_title``, ``audience``, ``description``, ``is_example``,
``translations``, ``versions``; per requirement, besides the flat fields: ``code``, ``constraints``
(schemas/constraints.py), ``advisory``, ``source``, ``source_checked_on``, ``unverified``.
"""
from copy import deepcopy
import json
from datetime import date
from decimal import Decimal
from importlib import resources

from flask_babel import gettext as _
from marshmallow import ValidationError

from ...formatting import format_day
from ...extensions import db
from ...models import Requirement, RuleSet, RuleSetVersion, Society
from ...schemas.constraints import checked_constraints, step_references
from ..errors import Conflict, InvalidInput


def _shipped_names() -> tuple[str, ...]:
    files = resources.files("society.rulesets").iterdir()
    return tuple(sorted(f.name.removesuffix(".json") for f in files if f.name.endswith(".json")))


SHIPPED = _shipped_names()  # the files' names: se, uk, us, de, anz, ...


def shipped_rule_sets(name: str) -> list[dict]:
    """The rule sets of the shipped file ``name`` (one, or several of one society)."""
    data = json.loads(resources.files("society.rulesets").joinpath(f"{name}.json").read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def shipped_rule_set(name: str, code: str | None = None) -> dict:
    """The shipped rule set ``code`` of file ``name``; without a code, the file's first."""
    rule_sets = shipped_rule_sets(name)
    return next(r for r in rule_sets if r["code"] == code) if code else rule_sets[0]


def shipped_by_code(code: str) -> dict | None:
    """The shipped rule set with this code, whichever file holds it."""
    return next((r for name in SHIPPED for r in shipped_rule_sets(name) if r["code"] == code), None)


def ensure_society(data: dict) -> Society:
    society = db.session.scalar(db.select(Society).where(Society.code == data["code"]))
    if society is None:
        society = Society(**data)
        db.session.add(society)
        db.session.flush()
    return society


def load_rule_set(data: dict, society: Society) -> RuleSet:
    """Create the rule set and its versions described by ``data`` (idempotent by code and label)."""
    rule_set = db.session.scalar(
        db.select(RuleSet).where(RuleSet.society_id == society.id, RuleSet.code == data["code"])
    )
    if rule_set is None:
        rule_set = RuleSet(society=society, code=data["code"], credential_title=data["credential_title"],
                           audience=data.get("audience", "leader"), description=data.get("description"), translations=data.get("translations"),
                           is_example=bool(data.get("is_example", False)))
        db.session.add(rule_set)
    existing = {version.label for version in rule_set.versions}
    for version_data in data["versions"]:
        if version_data["label"] not in existing:
            rule_set.versions.append(_version(version_data))
    db.session.flush()
    return rule_set


def _version(data: dict) -> RuleSetVersion:
    pace = {key: Decimal(str(data[key])) for key in ("pace_supervision_per_year", "pace_leading_per_year") if data.get(key)}
    version = RuleSetVersion(
        label=data["label"],
        effective_from=date.fromisoformat(data["effective_from"]),
        effective_to=date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None,
        validity_months=data.get("validity_months"),
        warning_days=data.get("warning_days", "90,60,30"),
        notes=data.get("notes"),
        translations=data.get("translations"),
        **pace,
    )
    missing = step_references(data["requirements"])
    if missing:
        raise InvalidInput(_("Version %(label)s refers to steps no requirement has as its code: %(codes)s.",
                             label=data["label"], codes=", ".join(missing)), field="constraints")
    for requirement in data["requirements"]:
        version.requirements.append(Requirement(
            clause=requirement.get("clause", 1), option=requirement.get("option", "a"),
            applies_if=requirement.get("applies_if"), label=requirement["label"], kind=requirement["kind"],
            also_counts=requirement.get("also_counts"), unit=requirement["unit"],
            minutes_per_unit=requirement.get("minutes_per_unit"), minimum=Decimal(str(requirement["minimum"])),
            window_kind=requirement.get("window", "none"), window_months=requirement.get("window_months"),
            requires_accredited_leader=requirement.get("requires_accredited_leader", False),
            in_person_only=requirement.get("in_person_only", False),
            translations=requirement.get("translations"),
            code=requirement.get("code"), constraints=_constraints(requirement),
            advisory=requirement.get("advisory", False), source=requirement.get("source"),
            source_checked_on=_day(requirement.get("source_checked_on")), unverified=requirement.get("unverified", False),
        ))
    return version


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _constraints(requirement: dict) -> dict | None:
    """The requirement's constraints once ConstraintsSchema accepts them."""
    try:
        return checked_constraints(requirement.get("constraints"))
    except ValidationError as error:
        raise InvalidInput(_("The constraints of %(label)s are not valid: %(problems)s",
                             label=requirement.get("label"), problems=json.dumps(error.messages, ensure_ascii=False)),
                           field="constraints") from error


def load_shipped() -> dict[str, RuleSet]:
    """Load every shipped rule set with its society; returns them by file name (a file's first rule
    set) and by rule-set code (every one)."""
    loaded = {}
    for name in SHIPPED:
        for data in shipped_rule_sets(name):
            rule_set = load_rule_set(data, ensure_society(data["society"]))
            loaded.setdefault(name, rule_set)
            loaded[data["code"]] = rule_set
    return loaded


def load_shipped_file(name: str, society: Society) -> list[RuleSet]:
    """Copy every rule set of the shipped file ``name`` into ``society`` (the rule-sets page)."""
    return [load_rule_set(data, society) for data in shipped_rule_sets(name)]


def version_in_force(rule_set: RuleSet, day: date) -> RuleSetVersion | None:
    """The version a candidate starting on ``day`` is put on."""
    candidates = [v for v in rule_set.versions if v.in_force_on(day)]
    return max(candidates, key=lambda v: v.effective_from) if candidates else None


def version_from_data(data: dict) -> RuleSetVersion:
    """A version (with its requirements, not yet saved) as the shipped JSON describes it."""
    return _version(data)


# -- editing rule sets as data (the administrators' pages) ------------------------------

RULE_SET_FIELDS = ("code", "credential_title", "description")
VERSION_FIELDS = ("label", "effective_from", "effective_to", "validity_months", "warning_days",
                  "pace_supervision_per_year", "pace_leading_per_year", "notes")
REQUIREMENT_FIELDS = ("clause", "option", "applies_if", "label", "kind", "also_counts", "unit", "minutes_per_unit",
                      "minimum", "window_kind", "window_months", "requires_accredited_leader", "in_person_only",
                      "code", "constraints", "advisory", "source", "source_checked_on", "unverified")


def create_rule_set(society_id: int, data: dict) -> RuleSet:
    _unique_code(society_id, data["code"])
    rule_set = RuleSet(society_id=society_id, **{k: data.get(k) for k in RULE_SET_FIELDS},
                       translations=with_translations(None, data.get("translations")))
    db.session.add(rule_set)
    db.session.flush()
    return rule_set


def update_rule_set(rule_set: RuleSet, data: dict) -> RuleSet:
    if data["code"] != rule_set.code:
        _unique_code(rule_set.society_id, data["code"])
    for key in RULE_SET_FIELDS:
        setattr(rule_set, key, data.get(key))
    rule_set.translations = with_translations(rule_set.translations, data.get("translations"))
    db.session.flush()
    return rule_set


def create_version(rule_set: RuleSet, data: dict) -> RuleSetVersion:
    _unique_label(rule_set, data["label"])
    version = RuleSetVersion(rule_set=rule_set, **_version_values(data),
                             translations=with_translations(None, data.get("translations")))
    db.session.add(version)
    db.session.flush()
    return version


def update_version(version: RuleSetVersion, data: dict) -> RuleSetVersion:
    if data["label"] != version.label:
        _unique_label(version.rule_set, data["label"])
    for key, value in _version_values(data).items():
        setattr(version, key, value)
    version.translations = with_translations(version.translations, data.get("translations"))
    db.session.flush()
    return version


def copy_version(version: RuleSetVersion, label: str, effective_from: date, close_previous: bool = True) -> RuleSetVersion:
    """A new version starting ``effective_from`` with the same settings and requirements, to edit.
    ``close_previous`` ends the copied version the day before, so new candidates get the copy
    while those already on the old one keep it."""
    _unique_label(version.rule_set, label)
    if effective_from <= version.effective_from:
        raise InvalidInput(_("Start the new version after %(day)s, when the copied one starts.",
                             day=format_day(version.effective_from)),
                           field="effective_from")
    requirements = [Requirement(**{k: deepcopy(getattr(r, k)) for k in REQUIREMENT_FIELDS},
                                translations=r.translations)
                    for r in version.requirements]
    ends = version.effective_to if version.effective_to and version.effective_to >= effective_from else None
    settings = {k: getattr(version, k) for k in VERSION_FIELDS[3:]}
    copy = RuleSetVersion(rule_set=version.rule_set, label=label, effective_from=effective_from, effective_to=ends,
                          requirements=requirements, translations=version.translations, **settings)
    db.session.add(copy)
    if close_previous:
        version.effective_to = date.fromordinal(effective_from.toordinal() - 1)
    db.session.flush()
    return copy


def save_requirement(version: RuleSetVersion, data: dict, requirement: Requirement | None = None) -> Requirement:
    """Add a requirement to ``version``, or change ``requirement``."""
    values = {k: data.get(k) for k in REQUIREMENT_FIELDS}
    values["also_counts"] = ",".join(k for k in (data.get("also_counts") or []) if k != values["kind"]) or None
    values["requires_accredited_leader"] = bool(values["requires_accredited_leader"])
    values["in_person_only"] = bool(values["in_person_only"])
    values["advisory"], values["unverified"] = bool(values["advisory"]), bool(values["unverified"])
    if values["window_kind"] != "rolling_months":
        values["window_months"] = None
    _steps_known(version, values, requirement)
    clash = db.session.scalar(db.select(Requirement.id).where(
        Requirement.version_id == version.id, Requirement.clause == values["clause"],
        Requirement.option == values["option"], Requirement.label == values["label"],
        Requirement.id != (requirement.id if requirement is not None else -1)).limit(1))
    if clash is not None:
        raise Conflict(_("This clause and option already have a requirement with this label."), field="label")
    if requirement is None:
        requirement = Requirement(version=version)
        db.session.add(requirement)
    for key, value in values.items():
        setattr(requirement, key, value)
    requirement.translations = with_translations(requirement.translations, data.get("translations"))
    db.session.flush()
    return requirement


def _steps_known(version: RuleSetVersion, values: dict, requirement: Requirement | None) -> None:
    """A requirement's code is unique in its version, and the steps its constraints name exist there."""
    others = [r for r in version.requirements if requirement is None or r.id != requirement.id]
    if values["code"] and any(r.code == values["code"] for r in others):
        raise Conflict(_("Another requirement of this version has the code %(code)s.", code=values["code"]),
                       field="code")
    missing = step_references([*({"code": r.code, "constraints": r.constraints} for r in others), values])
    if missing:
        raise InvalidInput(_("No requirement of this version has the code %(codes)s: give one that code first.",
                             codes=", ".join(missing)), field="constraints")


def delete_requirement(requirement: Requirement) -> None:
    db.session.delete(requirement)
    db.session.flush()


def with_translations(stored: dict | None, given: dict | None) -> dict | None:
    """``stored`` with the texts of ``given`` ({language: {field: text}}) put in, or taken out when
    blank; other languages and fields are kept. A new dict, so the change is seen and audited."""
    merged = {code: dict(texts) for code, texts in (stored or {}).items()}
    for code, texts in (given or {}).items():
        entry = merged.setdefault(code, {})
        for field, text in texts.items():
            if text:
                entry[field] = text
            else:
                entry.pop(field, None)
        if not entry:
            del merged[code]
    return merged or None


def _version_values(data: dict) -> dict:
    values = {k: data.get(k) for k in VERSION_FIELDS}
    values["warning_days"] = values["warning_days"] or "90,60,30"
    return values


def _unique_code(society_id: int, code: str) -> None:
    if db.session.scalar(db.select(RuleSet.id).where(RuleSet.society_id == society_id, RuleSet.code == code)):
        raise Conflict(_("Your society already has a rule set with the code %(code)s.", code=code), field="code")


def _unique_label(rule_set: RuleSet, label: str) -> None:
    if db.session.scalar(db.select(RuleSetVersion.id).where(RuleSetVersion.rule_set_id == rule_set.id,
                                                            RuleSetVersion.label == label)):
        raise Conflict(_("This rule set already has a version labelled %(label)s.", label=label), field="label")
